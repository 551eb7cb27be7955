// Key schemas of every table the service touches: one source of truth for the stack, the local run and tests.

/** Logical table names; the physical name is `<tablePrefix>-<name>` (e.g. listbackup-dev-sources). */
export const TABLE_NAMES = [
  'users',
  'accounts',
  'user-accounts',
  'activity',
  'sources',
  'platform-connections',
  'oauth-states',
  'oauth-tokens',
] as const;

export type TableName = (typeof TABLE_NAMES)[number];

export interface KeySchema {
  partitionKey: string;
  sortKey?: string;
}

export interface IndexSchema extends KeySchema {
  /** KEYS_ONLY: the table and index keys (small index writes); ALL otherwise. */
  keysOnly?: boolean;
}

export interface TableSchema extends KeySchema {
  /** Global secondary indexes (all string keys). */
  indexes?: Readonly<Record<string, IndexSchema>>;
  /** Point-in-time recovery on (owned tables that hold what cannot be recreated). */
  pointInTimeRecovery?: boolean;
  /** Attribute holding the epoch-seconds expiry, where TTL is enabled. */
  ttlAttribute?: string;
  /** Owned (created) by this service; the others are imported by name from the core service. */
  owned: boolean;
}

/**
 * Index names on this service's own oauth-tokens table: what the service looks sources up by. No index of
 * another service's table is queried, so no deploy of ours waits on theirs.
 */
export const TOKEN_INDEX = {
  /** Sources of one external account (a Shopify shop, a Stripe account): webhooks. */
  byExternalAccount: 'byExternalAccount',
  /** Sources ordered by when they next need a refresh: the scheduled refresher. */
  byRefreshDue: 'byRefreshDue',
} as const;

export type TokenIndex = keyof typeof TOKEN_INDEX;

export const TABLES: Readonly<Record<TableName, TableSchema>> = {
  users: { partitionKey: 'userId', owned: false },
  accounts: { partitionKey: 'accountId', owned: false },
  'user-accounts': { partitionKey: 'userId', sortKey: 'accountId', owned: false },
  activity: { partitionKey: 'accountId', sortKey: 'activityId', owned: false },
  sources: { partitionKey: 'accountId', sortKey: 'sourceId', owned: false },
  'platform-connections': { partitionKey: 'accountId', sortKey: 'sourceId', owned: false },
  // Ephemeral items of this service: OAuth states, pending completions, refresh leases, webhook deliveries.
  'oauth-states': { partitionKey: 'state', ttlAttribute: 'ttl', owned: true },
  // The token vault's item per source (sealed tokens, or in secrets-manager mode the lookup fields only).
  'oauth-tokens': {
    partitionKey: 'accountId',
    sortKey: 'sourceId',
    owned: true,
    pointInTimeRecovery: true,
    indexes: {
      [TOKEN_INDEX.byExternalAccount]: { partitionKey: 'externalKey', sortKey: 'sourceId', keysOnly: true },
      [TOKEN_INDEX.byRefreshDue]: {
        partitionKey: 'refreshPartition',
        sortKey: 'refreshDueAt',
        keysOnly: true,
      },
    },
  },
};

/** Physical table name under the naming convention shared with the core service. */
export function physicalTableName(tablePrefix: string, table: TableName): string {
  return `${tablePrefix}-${table}`;
}
