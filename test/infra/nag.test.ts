// cdk-nag's AwsSolutions pack, applied as bin/integrations.ts does: clean for every stage, and live.
import { Validations } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildStage } from './synth';

describe('cdk-nag AwsSolutions', () => {
  it.each(['dev', 'staging', 'prod', 'test', 'fixed-secrets'])(
    '%s: no unacknowledged finding; synth passes',
    (stage) => {
      const { app } = buildStage(stage);
      const checks = new AwsSolutionsChecks(app);
      const report = checks.validateScope(app);
      expect(
        report.violations.map(
          (v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.resourceLogicalId).join(', ')}`,
        ),
      ).toEqual([]);
      Validations.of(app).addPlugins(checks);
      expect(() => app.synth()).not.toThrow();
    },
  );

  it('is live: a new resource with a finding fails the synth', () => {
    const { app, stack } = buildStage('dev');
    new secretsmanager.Secret(stack, 'Unreviewed');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow(/AwsSolutions-SMG4/);
  });
});
