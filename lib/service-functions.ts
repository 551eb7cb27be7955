// Creates every handler of lib/handler-specs.ts and grants it exactly the access its spec lists.
import { Duration } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { ClientSecrets } from './client-secrets';
import type { PreflightMode } from './cors';
import { HandlerFunction } from './handler-function';
import { HANDLERS, HANDLER_NAMES } from './handler-specs';
import type { HandlerName, HandlerSpec, ReservationName } from './handler-specs';
import type { ImportedTableName, ImportedTables } from './imported-tables';
import type { OAuthStatesTable } from './oauth-states-table';
import type { TokenVault } from './token-vault';

export interface ServiceFunctionsProps {
  readonly environment: Readonly<Record<string, string>>;
  readonly logRetentionDays: logs.RetentionDays;
  /** The stage's reservations; a function whose reservation is unset reserves nothing. */
  readonly reservedConcurrency: Readonly<Partial<Record<ReservationName, number>>>;
  /** Who answers preflights: the preflight function exists only for `own-routes`. */
  readonly preflight: PreflightMode;
  readonly states: OAuthStatesTable;
  readonly tables: ImportedTables;
  readonly vault: TokenVault;
  readonly clientSecrets: ClientSecrets;
  readonly bus: events.IEventBus;
}

/** PascalCase construct id of a handler, e.g. oauth-start -> OAuthStart. */
export function constructId(name: HandlerName): string {
  return name
    .split('-')
    .map((part) => (part === 'oauth' ? 'OAuth' : part[0].toUpperCase() + part.slice(1)))
    .join('');
}

export class ServiceFunctions extends Construct {
  private readonly functions = new Map<HandlerName, HandlerFunction>();

  constructor(scope: Construct, id: string, props: ServiceFunctionsProps) {
    super(scope, id);
    for (const name of HANDLER_NAMES) {
      const spec: HandlerSpec = HANDLERS[name];
      if (spec.answersPreflights && props.preflight !== 'own-routes') continue;
      const fn = new HandlerFunction(this, constructId(name), {
        handler: name,
        description: spec.description,
        memorySize: spec.memorySize,
        timeout: Duration.seconds(spec.timeoutSeconds),
        environment: props.environment,
        logRetentionDays: props.logRetentionDays,
        // The public routes' reservation bounds what an abuser of a public route can cost and how hard it can hit
        // DynamoDB and Secrets Manager (route throttling is not ours to set: the API and its stage are imported).
        // Unset by default: a fresh account's quota leaves no room for any reservation.
        reservedConcurrentExecutions: spec.reservedConcurrency
          ? props.reservedConcurrency[spec.reservedConcurrency]
          : undefined,
      });
      const access = spec.access;
      if (access.states?.length) props.states.grant(fn, ...access.states);
      for (const [table, actions] of Object.entries(access.tables ?? {})) {
        if (actions?.length) props.tables.grant(fn, table as ImportedTableName, ...actions);
      }
      if (access.tokenIndexes?.length) props.vault.grantQuery(fn, access.tokenIndexes);
      if (access.vault?.length) props.vault.grant(fn, access.vault);
      if (access.secrets?.length)
        props.clientSecrets.grantRead(fn, access.secrets, (id, reason) => fn.acknowledge(id, reason));
      if (access.publishEvents) props.bus.grantPutEventsTo(fn);
      this.functions.set(name, fn);
    }
  }

  /** The function of a handler, if the stage deploys it. */
  find(name: HandlerName): HandlerFunction | undefined {
    return this.functions.get(name);
  }

  /** The function of a handler. */
  get(name: HandlerName): HandlerFunction {
    const fn = this.functions.get(name);
    if (!fn) throw new Error(`no handler ${name}`);
    return fn;
  }
}
