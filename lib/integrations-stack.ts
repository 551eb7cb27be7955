// The integrations stack: composes the constructs of one stage; no logic of its own.
import { CfnOutput, Stack } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import type { Construct } from 'constructs';
import { ApiRoutes } from './api-routes';
import { ClientSecrets } from './client-secrets';
import type { StageSettings } from './config';
import { handlerEnvironment } from './handler-environment';
import { ImportedTables } from './imported-tables';
import { OAuthStatesTable } from './oauth-states-table';
import { RefreshSchedule } from './refresh-schedule';
import { ServiceFunctions } from './service-functions';
import { TokenVault } from './token-vault';

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
    const vault = new TokenVault(this, 'TokenVault');
    const bus = events.EventBus.fromEventBusName(this, 'SharedBus', settings.eventBusName);

    // Stateless: handlers, their routes and schedule.
    const functions = new ServiceFunctions(this, 'Handlers', {
      environment: handlerEnvironment(settings),
      logRetentionDays: settings.logRetentionDays,
      publicRouteConcurrency: settings.callbackThrottle.reservedConcurrency,
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
    });
    new RefreshSchedule(this, 'RefreshSchedule', {
      refresher: functions.get('connection-refresher'),
      intervalMinutes: settings.refreshIntervalMinutes,
    });
    functions.get('token-access').allowInvokeBy(settings.tokenAccessCallerRoleArns);

    for (const route of api.routes) {
      new CfnOutput(this, `${route.handler}Url`, {
        description: `${route.method} route of ${route.handler}`,
        value: `${settings.apiUrl}${route.path}`,
      });
    }
    new CfnOutput(this, 'OAuthStatesTableName', { value: states.table.tableName });
    new CfnOutput(this, 'TokenAccessFunctionArn', { value: functions.get('token-access').functionArn });
  }
}
