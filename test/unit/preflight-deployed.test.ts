// The preflight after a deploy (aws-sdk-client-mock: moto cannot hold a CDK stack with routes, functions and alarms):
// routes reach our functions, token-access admits exactly the configured callers, the schedule is enabled, alarms exist.
// Also its arguments, exit codes and text rendering.
import { ApiGatewayV2Client, GetIntegrationCommand, GetRouteCommand } from '@aws-sdk/client-apigatewayv2';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeRuleCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GetPolicyCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { loadSettings } from '../../lib/config';
import { ownRoutes } from '../../lib/core-contract';
import { HANDLER_NAMES } from '../../lib/handler-specs';
import { constructId } from '../../lib/service-functions';
import { parsePreflightArgs } from '../../scripts/preflight/args';
import type { PreflightClients } from '../../scripts/preflight/aws';
import { deployedFindings } from '../../scripts/preflight/checks/deployed';
import type { CheckContext, StackResource } from '../../scripts/preflight/context';
import {
  PREFLIGHT_EXIT,
  exitCodeOf,
  fail,
  info,
  ok,
  renderText,
  type Finding,
} from '../../scripts/preflight/findings';

const CALLER = 'arn:aws:iam::210987654321:role/jobs-runner';
const settings = {
  ...loadSettings('dev'),
  httpApiId: 'a1b2c3d4e5',
  tokenAccessCallerRoleArns: [CALLER],
};
const fnName = (h: string) => `listbackup-integrations-dev-Handlers${constructId(h as never)}ABC-xyz`;
const resources: StackResource[] = [
  ...HANDLER_NAMES.map((h) => ({
    logicalId: `Handlers${constructId(h)}0A1B2C3D`,
    physicalId: fnName(h),
    type: 'AWS::Lambda::Function',
  })),
  ...ownRoutes().map((_, i) => ({
    logicalId: `Route${i}`,
    physicalId: `route${i}`,
    type: 'AWS::ApiGatewayV2::Route',
  })),
  { logicalId: 'RefreshScheduleRule', physicalId: 'listbackup-refresh', type: 'AWS::Events::Rule' },
  { logicalId: 'AlarmA', physicalId: 'listbackup-dev-callback-errors', type: 'AWS::CloudWatch::Alarm' },
];

const apigw = mockClient(ApiGatewayV2Client);
const lambda = mockClient(LambdaClient);
const events = mockClient(EventBridgeClient);
const cloudwatch = mockClient(CloudWatchClient);

function healthy() {
  apigw.reset();
  lambda.reset();
  events.reset();
  cloudwatch.reset();
  ownRoutes().forEach((r, i) => {
    apigw
      .on(GetRouteCommand, { RouteId: `route${i}` })
      .resolves({ RouteKey: r.routeKey, Target: `integrations/int${i}` });
    apigw.on(GetIntegrationCommand, { IntegrationId: `int${i}` }).resolves({
      IntegrationUri: `arn:aws:lambda:us-west-2:123456789012:function:${fnName(r.handler)}`,
    });
  });
  lambda.on(GetPolicyCommand).resolves({
    Policy: JSON.stringify({
      Statement: [{ Action: 'lambda:InvokeFunction', Principal: { AWS: CALLER } }],
    }),
  });
  events.on(DescribeRuleCommand).resolves({ State: 'ENABLED', ScheduleExpression: 'rate(10 minutes)' });
  cloudwatch
    .on(DescribeAlarmsCommand)
    .resolves({ MetricAlarms: [{ AlarmName: 'listbackup-dev-callback-errors' }] });
}

function ctx(): CheckContext {
  return {
    settings,
    stages: {},
    clients: {
      apigw: new ApiGatewayV2Client({}),
      lambda: new LambdaClient({}),
      events: new EventBridgeClient({}),
      cloudwatch: new CloudWatchClient({}),
    } as unknown as PreflightClients,
    stackName: 'listbackup-integrations-dev',
    account: '123456789012',
    stack: { status: 'UPDATE_COMPLETE', resources },
  };
}

const wrong = (findings: Finding[]) => findings.filter((f) => f.status !== 'ok' && f.status !== 'info');

describe('after a deploy', () => {
  beforeEach(healthy);

  it('passes when every route reaches its function, callers match, the schedule runs and alarms exist', async () => {
    const findings = await deployedFindings(ctx());
    expect(wrong(findings)).toEqual([]);
    expect(findings.filter((f) => f.check === 'deployed.routes')).toHaveLength(ownRoutes().length);
  });

  it('reports a route that reaches another function', async () => {
    apigw
      .on(GetIntegrationCommand, { IntegrationId: 'int0' })
      .resolves({ IntegrationUri: 'arn:aws:lambda:us-west-2:1:function:other' });
    expect(wrong(await deployedFindings(ctx()))).toEqual([
      expect.objectContaining({
        check: 'deployed.routes',
        message: expect.stringMatching(/reaches arn:.*:function:other, not oauth-start/),
      }),
    ]);
  });

  it('reports a token-access caller that the settings do not name', async () => {
    lambda.on(GetPolicyCommand).resolves({
      Policy: JSON.stringify({
        Statement: [
          { Action: 'lambda:InvokeFunction', Principal: { AWS: CALLER } },
          { Action: 'lambda:InvokeFunction', Principal: { AWS: 'arn:aws:iam::210987654321:role/other' } },
        ],
      }),
    });
    const [finding] = wrong(await deployedFindings(ctx()));
    expect(finding).toMatchObject({ check: 'deployed.token-access', status: 'fail' });
    expect(finding.message).toMatch(
      /allows .*role\/jobs-runner, .*role\/other; tokenAccessCallerRoleArns names .*jobs-runner$/,
    );
    expect(finding.fix).toMatch(/aws lambda remove-permission/);
  });

  it('reports a disabled schedule and a missing alarm', async () => {
    events.on(DescribeRuleCommand).resolves({ State: 'DISABLED' });
    cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });
    expect(wrong(await deployedFindings(ctx())).map((f) => f.check)).toEqual([
      'deployed.schedule',
      'deployed.alarms',
    ]);
  });

  it('turns a refused read into "could not check", not "not ready"', async () => {
    events.on(DescribeRuleCommand).rejects(Object.assign(new Error('no'), { name: 'AccessDeniedException' }));
    const findings = wrong(await deployedFindings(ctx()));
    expect(findings).toEqual([expect.objectContaining({ check: 'deployed.schedule', status: 'unchecked' })]);
    expect(findings[0].fix).toMatch(/allow events:DescribeRule/);
    expect(exitCodeOf(findings)).toBe(PREFLIGHT_EXIT.couldNotCheck);
  });
});

describe('arguments, exit codes, text', () => {
  it('parses --stage and --json and refuses anything else', () => {
    expect(parsePreflightArgs(['--stage', 'dev', '--json'])).toEqual({ stage: 'dev', json: true });
    expect(parsePreflightArgs(['--stage=prod'])).toEqual({ stage: 'prod', json: false });
    expect(parsePreflightArgs(['--help'])).toBe('help');
    expect(() => parsePreflightArgs([])).toThrow(/--stage <stage> is required/);
    expect(() => parsePreflightArgs(['--stage', 'dev', '--fix'])).toThrow(/unknown argument "--fix"/);
  });

  it('exits 1 on anything wrong, else 2 on anything unchecked, else 0', () => {
    const unchecked: Finding = { check: 'x', status: 'unchecked', subject: 's', message: 'm', fix: 'f' };
    expect(exitCodeOf([ok('a', 's', 'm'), info('b', 's', 'm')])).toBe(0);
    expect(exitCodeOf([ok('a', 's', 'm'), unchecked])).toBe(2);
    expect(exitCodeOf([unchecked, fail('c', 's', 'm', 'f')])).toBe(1);
  });

  it('prints each finding, its fix below it, and a verdict', () => {
    const text = renderText({
      stage: 'dev',
      region: 'us-west-2',
      account: '123456789012',
      phase: 'first-deploy',
      findings: [ok('a', 'HTTP API x', 'exists'), fail('b', 'event bus y', 'not found', 'set eventBusName')],
    });
    expect(text).toBe(
      'Preflight of stage dev in us-west-2, account 123456789012 (first-deploy)\n' +
        'ok    HTTP API x: exists\n' +
        'FAIL  event bus y: not found\n' +
        '      fix: set eventBusName\n' +
        'Not ready: 1 finding(s) to fix.\n',
    );
  });
});
