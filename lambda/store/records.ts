// A connection's records across the sources, platform-connections and activity tables, written in one
// transaction (all or nothing) from the items each table's adapter makes.
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { ActivityItem, ConnectionItem, SourceItem } from '../records/shapes';
import { addActivity, putActivity } from './activity';
import { documents } from './clients';
import { createConnection, deleteConnection, replaceConnection } from './connections';
import type { TransactItem } from './expressions';
import { createSource, deleteSource, updateSource } from './sources';

export interface RecordTables {
  sources: string;
  connections: string;
  activity: string;
}

/** A new source: source and connection must not exist yet. */
export async function writeNewConnection(
  tables: RecordTables,
  source: SourceItem,
  connection: ConnectionItem,
  entry: ActivityItem,
): Promise<void> {
  await transact([
    createSource(tables.sources, source),
    createConnection(tables.connections, connection),
    addActivity(tables.activity, entry),
  ]);
}

/** A reconnect: the source must exist in the account with the same provider; its connection is overwritten. */
export async function writeReconnection(
  tables: RecordTables,
  source: Pick<SourceItem, 'accountId' | 'sourceId' | 'provider' | 'externalAccount' | 'updatedAt'>,
  connection: ConnectionItem,
  entry: ActivityItem,
): Promise<void> {
  await transact([
    updateSource(
      tables.sources,
      source,
      { status: 'active', externalAccount: source.externalAccount, updatedAt: source.updatedAt },
      source.provider,
    ),
    replaceConnection(tables.connections, connection),
    addActivity(tables.activity, entry),
  ]);
}

/** Removes the records of a connection this request created (compensation after a later failure). */
export async function deleteNewConnection(
  tables: RecordTables,
  accountId: string,
  sourceId: string,
  entry: ActivityItem,
): Promise<void> {
  const ref = { accountId, sourceId };
  await transact([
    deleteSource(tables.sources, ref),
    deleteConnection(tables.connections, ref),
    addActivity(tables.activity, entry),
  ]);
}

/** One activity record on its own (security events, webhooks). */
export async function writeActivity(tables: RecordTables, entry: ActivityItem): Promise<void> {
  await putActivity(tables.activity, entry);
}

async function transact(items: TransactItem[]): Promise<void> {
  await documents.send(new TransactWriteCommand({ TransactItems: items }));
}
