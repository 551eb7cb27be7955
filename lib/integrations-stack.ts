// The integrations stack: composes the constructs of one stage; no logic of its own.
import { CfnOutput, Stack } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { AlarmTopic } from './alarm-topic';
import { ApiRoutes } from './api-routes';
import { allowedOrigins, coreApiCors } from './cors';
import { ClientSecrets } from './client-secrets';
import type { StageSettings } from './config';
import { handlerEnvironment } from './handler-environment';
import { ImportedTables } from './imported-tables';
import { OAuthStatesTable } from './oauth-states-table';
import { RefreshSchedule } from './refresh-schedule';
import { ServiceAlarms } from './service-alarms';
import { ServiceDashboard } from './service-dashboard';
import { ServiceFunctions } from './service-functions';
import { ServiceMetrics } from './service-metrics';
import { TokenVault } from './token-vault';

/** The stack of a stage, e.g. listbackup-integrations-dev (the earlier Serverless service used the same names). */
export function stackName(stage: string): string {
  return `listbackup-integrations-${stage}`;
}

/** SSM parameter holding the token-access function's ARN, e.g. /listbackup/dev/integrations/token-access-function-arn. */
export function tokenAccessParameterName(stage: string): string {
  return `/listbackup/${stage}/integrations/token-access-function-arn`;
}

export interface IntegrationsStackProps extends StackProps {
  readonly settings: StageSettings;
}

export class IntegrationsStack extends Stack {
  constructor(scope: Construct, id: string, props: IntegrationsStackProps) {
    super(scope, id, props);
    const { settings } = props;

    // Stateful: owned and imported data.
    const states = new OAuthStatesTable(this, 'OAuthStates', { tablePrefix: settings.tablePrefix });
    const clientSecrets = new ClientSecrets(this, 'ClientSecrets', {
      stage: settings.stage,
      secretPrefix: settings.secretPrefix,
      importExisting: settings.importClientSecrets,
    });
    const tables = new ImportedTables(this, 'CoreTables', { tablePrefix: settings.tablePrefix });
    const vault = new TokenVault(this, 'TokenVault', {
      stage: settings.stage,
      tablePrefix: settings.tablePrefix,
      backend: settings.tokenVault,
      readFallback: settings.tokenReadFallback,
      deletionProtection: settings.stage === 'prod',
    });
    const bus = events.EventBus.fromEventBusName(this, 'SharedBus', settings.eventBusName);

    // Stateless: handlers, their routes and schedule.
    const functions = new ServiceFunctions(this, 'Handlers', {
      environment: handlerEnvironment(settings, { keyArn: vault.key?.keyArn }),
      logRetentionDays: settings.logRetentionDays,
      reservedConcurrency: settings.reservedConcurrency,
      preflight: settings.cors.preflight,
      states,
      tables,
      vault,
      clientSecrets,
      bus,
    });
    const api = new ApiRoutes(this, 'Routes', {
      httpApiId: settings.httpApiId,
      authorizerId: settings.authorizerId,
      functions,
      preflight: settings.cors.preflight,
    });
    const schedule = new RefreshSchedule(this, 'RefreshSchedule', {
      refresher: functions.get('connection-refresher'),
      intervalMinutes: settings.refreshIntervalMinutes,
    });
    functions.get('token-access').allowInvokeBy(settings.tokenAccessCallerRoleArns);

    // Operations: alarms to the stage's topic, and the dashboard.
    const alarmTopic = new AlarmTopic(this, 'AlarmTopic', {
      stage: settings.stage,
      importArn: settings.monitoring.alarmTopicArn,
      email: settings.monitoring.alarmEmail,
    });
    const metrics = new ServiceMetrics(settings.stage);
    const alarms = new ServiceAlarms(this, 'Alarms', {
      stage: settings.stage,
      settings: settings.monitoring,
      metrics,
      functions,
      topic: alarmTopic.topic,
      refreshIntervalMinutes: settings.refreshIntervalMinutes,
      longThrottleMinutes: settings.longThrottleMinutes,
      refresherFailures: schedule.failures,
    });
    const dashboard = new ServiceDashboard(this, 'Operations', {
      stage: settings.stage,
      metrics,
      functions,
      alarms: [...alarms.alarms.values()],
    });

    for (const route of api.routes) {
      new CfnOutput(this, `${route.handler}Url`, {
        description: `${route.method} route of ${route.handler}`,
        value: `${settings.apiUrl}${route.path}`,
      });
    }
    if (settings.cors.preflight === 'core-api') {
      new CfnOutput(this, 'CoreApiCorsRequired', {
        description: "What the core API's CORS configuration must allow for this service's browser routes",
        value: JSON.stringify(coreApiCors(allowedOrigins(settings))),
      });
    }
    new CfnOutput(this, 'OAuthStatesTableName', { value: states.table.tableName });
    new CfnOutput(this, 'OAuthTokensTableName', { value: vault.table.tableName });
    if (vault.key) new CfnOutput(this, 'TokenKeyArn', { value: vault.key.keyArn });
    new CfnOutput(this, 'TokenAccessFunctionArn', { value: functions.get('token-access').functionArn });
    // Where the jobs service's deploy reads the ARN it invokes (a stack output is only readable by name of this stack).
    new ssm.StringParameter(this, 'TokenAccessFunctionArnParameter', {
      parameterName: tokenAccessParameterName(settings.stage),
      description: `ARN of the token-access function of ListBackup integrations (${settings.stage}); invoke with IAM`,
      stringValue: functions.get('token-access').functionArn,
    });
    new CfnOutput(this, 'AlarmTopicArn', { value: alarmTopic.topic.topicArn });
    new CfnOutput(this, 'DashboardName', { value: dashboard.dashboard.dashboardName });
    new CfnOutput(this, 'RefresherFailedInvocationsQueueUrl', { value: schedule.failures.queueUrl });
  }
}
