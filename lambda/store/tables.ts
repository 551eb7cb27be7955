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
] as const;

export type TableName = (typeof TABLE_NAMES)[number];

export interface KeySchema {
  partitionKey: string;
  sortKey?: string;
}

export interface TableSchema extends KeySchema {
  /** Global secondary indexes (all string keys, projection ALL). */
  indexes?: Readonly<Record<string, KeySchema>>;
  /** Attribute holding the epoch-seconds expiry, where TTL is enabled. */
  ttlAttribute?: string;
  /** Owned (created) by this service; the others are imported by name from the core service. */
  owned: boolean;
}

/** Index names on platform-connections that this service queries (contract with its owner). */
export const CONNECTION_INDEX = {
  /** Connections of one external account (a Shopify shop, a Stripe account): webhooks. */
  byExternalAccount: 'byExternalAccount',
  /** Connections ordered by when they next need a refresh: the scheduled refresher. */
  byRefreshDue: 'byRefreshDue',
} as const;

export const TABLES: Readonly<Record<TableName, TableSchema>> = {
  users: { partitionKey: 'userId', owned: false },
  accounts: { partitionKey: 'accountId', owned: false },
  'user-accounts': { partitionKey: 'userId', sortKey: 'accountId', owned: false },
  activity: { partitionKey: 'accountId', sortKey: 'activityId', owned: false },
  sources: { partitionKey: 'accountId', sortKey: 'sourceId', owned: false },
  'platform-connections': {
    partitionKey: 'accountId',
    sortKey: 'sourceId',
    owned: false,
    indexes: {
      [CONNECTION_INDEX.byExternalAccount]: { partitionKey: 'externalKey', sortKey: 'sourceId' },
      [CONNECTION_INDEX.byRefreshDue]: { partitionKey: 'refreshPartition', sortKey: 'refreshDueAt' },
    },
  },
  // Ephemeral items of this service: OAuth states, pending completions, refresh leases, webhook deliveries.
  'oauth-states': { partitionKey: 'state', ttlAttribute: 'ttl', owned: true },
};

/** Physical table name under the naming convention shared with the core service. */
export function physicalTableName(tablePrefix: string, table: TableName): string {
  return `${tablePrefix}-${table}`;
}
