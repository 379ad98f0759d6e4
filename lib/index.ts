// Public API for other CDK apps: the all-in-one construct (with its `existingBucket`/`bucketProps`
// overrides), the constructs it is made of with their Props and the types those Props name, and the
// deploy config schema.

export type { FleetHostInput } from '../lambdas/core/fleet.js';
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
export { BackupWorkflow, type BackupWorkflowProps } from './constructs/backup-workflow.js';
export {
  Dashboard,
  type DashboardProps,
  type MonitoredFunction,
  type MonitoredStateMachine,
} from './constructs/dashboard.js';
export { FleetParameters, type FleetParametersProps } from './constructs/fleet-parameters.js';
export {
  HandlerFunction,
  type HandlerFunctionProps,
  type HandlerName,
} from './constructs/handler-function.js';
export { HostDocuments, type HostDocumentsProps } from './constructs/host-documents.js';
export { ImageStore, type ImageStoreProps, imageStoreDenyStatements } from './constructs/image-store.js';
export { Schedules, type SchedulesProps } from './constructs/schedules.js';
export type { HostStep } from './host-scripts/index.js';
export { MksysbVault, type MksysbVaultProps } from './mksysb-vault.js';
export { MksysbVaultStack, type MksysbVaultStackProps } from './mksysb-vault-stack.js';
