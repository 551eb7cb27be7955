// CDK app: picks the stage's settings from `-c stage=<name>` and creates its stack, checked by cdk-nag. Nothing else.
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { SettingsError } from '../lib/config';
import { IntegrationsStack, stackName } from '../lib/integrations-stack';
import { settingsForSynth } from '../lib/stage-rules';

const app = new App();
// `-c skipBundling=true`: synthesize without running esbuild (template review, CI without the handlers built).
if (app.node.tryGetContext('skipBundling') === true || app.node.tryGetContext('skipBundling') === 'true') {
  app.node.setContext('aws:cdk:bundling-stacks', []);
}
let settings;
try {
  settings = settingsForSynth({
    stage: app.node.tryGetContext('stage'),
    deploy: app.node.tryGetContext('deploy'),
  });
} catch (error) {
  // A settings problem is the operator's to fix: its message, without a stack trace in the way.
  if (!(error instanceof SettingsError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
new IntegrationsStack(app, stackName(settings.stage), {
  env: { account: settings.account, region: settings.region },
  // The preflight tells a stack of this app from another of the same name by this description's start.
  description: `ListBackup integrations: OAuth connections (${settings.stage})`,
  settings,
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
