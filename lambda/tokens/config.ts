// What the token lifecycle needs to know about its stage: tables, vault, bus, client secrets, endpoint overrides.
import type { EndpointOverrides } from '../providers/types';
import { readEnv, type HandlerEnv } from '../shared/env';
import { recordTables, type RecordTables } from '../store/records';
import { physicalTableName } from '../store/tables';
import { tokenVault, vaultSettings, type TokenVault } from '../store/vault';

export interface TokenConfig {
  tables: RecordTables & { states: string; tokens: string };
  vault: TokenVault;
  eventBusName: string;
  secretPrefix: string;
  credentialsMaxAgeSeconds: number;
  endpointOverrides: EndpointOverrides;
  /** At most one refresh forced by a rejected token per source in this window. */
  forcedRefreshIntervalMs: number;
  /** A connection throttled for longer than this is counted once per episode. */
  longThrottleMs: number;
}

/** The configuration of a handler environment (lambda/shared/env.ts). */
export function tokenConfig(env: HandlerEnv = readEnv()): TokenConfig {
  return {
    tables: {
      ...recordTables(env.tablePrefix),
      states: physicalTableName(env.tablePrefix, 'oauth-states'),
      tokens: physicalTableName(env.tablePrefix, 'oauth-tokens'),
    },
    vault: tokenVault(vaultSettings(env)),
    eventBusName: env.eventBusName,
    secretPrefix: env.secretPrefix,
    credentialsMaxAgeSeconds: env.credentialsMaxAgeSeconds,
    endpointOverrides: env.endpointOverrides,
    forcedRefreshIntervalMs: env.forcedRefreshMinutes * 60_000,
    longThrottleMs: env.longThrottleMinutes * 60_000,
  };
}
