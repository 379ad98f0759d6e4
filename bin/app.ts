// The CDK app: load and validate the deploy config (path from the `mksysb-vault:config` context),
// build the stack, check it with cdk-nag's AWS Solutions rules. A bad config prints its ConfigError,
// naming each bad field, and exits non-zero.
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CONFIG_CONTEXT_KEY, ConfigError, DEFAULT_CONFIG_PATH, loadDeployConfig } from '../lib/config.js';
import { MksysbVaultStack } from '../lib/mksysb-vault-stack.js';

const app = new App();
const configPath = String(app.node.tryGetContext(CONFIG_CONTEXT_KEY) ?? DEFAULT_CONFIG_PATH);

try {
  const config = loadDeployConfig(configPath);
  new MksysbVaultStack(app, config.stackName, {
    config,
    ...(config.env ? { env: { account: config.env.account, region: config.env.region } } : {}),
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
