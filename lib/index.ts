// Public API for other CDK apps: the all-in-one construct, the constructs it is made of, and the
// deploy config schema.
export {
  ConfigError,
  type DeployConfig,
  type DeployConfigInput,
  DeployConfigSchema,
  deployConfigJsonSchema,
  loadDeployConfig,
  parseDeployConfig,
} from './config.js';
export { Alerts, type AlertsProps } from './constructs/alerts.js';
export { BackupWorkflow } from './constructs/backup-workflow.js';
export { Dashboard, type DashboardProps } from './constructs/dashboard.js';
export { FleetParameters, type FleetParametersProps } from './constructs/fleet-parameters.js';
export { HandlerFunction, type HandlerFunctionProps } from './constructs/handler-function.js';
export { HostDocuments, type HostDocumentsProps } from './constructs/host-documents.js';
export { ImageStore, type ImageStoreProps } from './constructs/image-store.js';
export { Schedules, type SchedulesProps } from './constructs/schedules.js';
export { MksysbVault, type MksysbVaultProps } from './mksysb-vault.js';
export { MksysbVaultStack, type MksysbVaultStackProps } from './mksysb-vault-stack.js';
