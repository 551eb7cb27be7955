// Everything a handler knows about its stage, resolved once from the environment: tables, bus, secrets, settings.
import type { EndpointOverrides } from '../providers/types';
import { physicalTableName } from '../store/tables';
import type { VaultSettings } from '../store/vault-entry';
import { readEnv, type EnvSource, type HandlerEnv } from './env';

/** Physical names of the tables the service reads and writes (`<tablePrefix>-<logical name>`). */
export interface Tables {
  /** oauth-states: states, pending completions, refresh leases, webhook deliveries. */
  states: string;
  /** oauth-tokens: the token vault's item per source. */
  tokens: string;
  userAccounts: string;
  sources: string;
  connections: string;
  activity: string;
}

/** The stage's resources and settings: what handlers and the modules they call take instead of the environment. */
export interface Resources {
  stage: string;
  tables: Tables;
  eventBusName: string;
  apiUrl: string;
  appUrl: string;
  /** Client secrets live under `<secretPrefix>/<provider>/...` (lambda/store/client-credentials.ts). */
  secretPrefix: string;
  credentialsMaxAgeSeconds: number;
  endpointOverrides: EndpointOverrides;
  webhookPublicKeys: Record<string, string>;
  stripeMode: HandlerEnv['stripeMode'];
  /** At most one refresh forced by a rejected token per source in this window. */
  forcedRefreshIntervalMs: number;
  /** A connection throttled for longer than this is counted once per episode. */
  longThrottleMs: number;
  /** Origin rules whose pages may call start, complete and disconnect (lambda/shared/cors.ts). */
  allowedOrigins: string[];
  /** Which token vault backend, on which table and key (lambda/store/vault.ts). */
  vaultSettings: VaultSettings;
}

/**
 * Resolves the stage's resources from the environment, failing fast with a missing variable's name.
 * Call once, at module scope.
 * @example const stage = resources(); await consumeState(stage.tables.states, state);
 */
export function resources(source: EnvSource = process.env): Resources {
  const env = readEnv(source);
  const table = (name: Parameters<typeof physicalTableName>[1]) => physicalTableName(env.tablePrefix, name);
  const tables: Tables = {
    states: table('oauth-states'),
    tokens: table('oauth-tokens'),
    userAccounts: table('user-accounts'),
    sources: table('sources'),
    connections: table('platform-connections'),
    activity: table('activity'),
  };
  return {
    stage: env.stage,
    tables,
    eventBusName: env.eventBusName,
    apiUrl: env.apiUrl,
    appUrl: env.appUrl,
    secretPrefix: env.secretPrefix,
    credentialsMaxAgeSeconds: env.credentialsMaxAgeSeconds,
    endpointOverrides: env.endpointOverrides,
    webhookPublicKeys: env.webhookPublicKeys,
    stripeMode: env.stripeMode,
    forcedRefreshIntervalMs: env.forcedRefreshMinutes * 60_000,
    longThrottleMs: env.longThrottleMinutes * 60_000,
    allowedOrigins: env.allowedOrigins,
    vaultSettings: {
      stage: env.stage,
      table: tables.tokens,
      backend: env.tokenVault,
      keyId: env.tokenKeyId,
      readFallback: env.tokenReadFallback,
    },
  };
}
