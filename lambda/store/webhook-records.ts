// The records side of a webhook's effect on one connection, written in one transaction with the delivery's progress.
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { ActivityItem } from '../records/shapes';
import { addActivity } from './activity';
import { documents } from './clients';
import { deleteConnection, providerDisconnect } from './connections';
import { appliedProgress } from './deliveries';
import { conditionFailure, type TransactItem } from './expressions';
import type { RecordTables } from './records';
import { updateSource } from './sources';

export interface ConnectionRef {
  accountId: string;
  sourceId: string;
}

/** What the transaction does to the connection and its source. */
export type RecordChange =
  /**
   * Status `disconnected`, off the refresh schedule; skipped when already disconnected or, given
   * `occurredAt`, (re)connected or refreshed successfully after it.
   */
  | { kind: 'disconnect'; at: string; occurredAt?: string; errorCode: string }
  /** Connection record deleted; source kept for its owner, stripped of the external identifiers. */
  | { kind: 'redact'; at: string; redactedName: string }
  /** Records untouched: the activity entry only. */
  | { kind: 'notify' };

export type ApplyOutcome = 'applied' | 'skipped';

/** Raised when the claim was taken over by another invocation mid-way (this attempt must stop). */
export class ClaimLostError extends Error {
  constructor() {
    super('the delivery claim was taken over by another invocation');
    this.name = 'ClaimLostError';
  }
}

function connectionItem(
  tables: RecordTables,
  ref: ConnectionRef,
  change: RecordChange,
): TransactItem | undefined {
  if (change.kind === 'disconnect') return providerDisconnect(tables.connections, ref, change);
  // A compliance erasure is never skipped for the connection's state: effects.ts disconnects it first.
  if (change.kind === 'redact') return deleteConnection(tables.connections, ref, true);
  return undefined;
}

function sourceItem(
  tables: RecordTables,
  ref: ConnectionRef,
  change: RecordChange,
): TransactItem | undefined {
  if (change.kind === 'notify') return undefined;
  const values =
    change.kind === 'disconnect'
      ? { status: 'disconnected' as const, updatedAt: change.at }
      : {
          status: 'disconnected' as const,
          updatedAt: change.at,
          name: change.redactedName,
          externalAccount: {},
        };
  return updateSource(tables.sources, ref, values);
}

/**
 * Applies `change` to one connection, its source, an activity entry and the delivery's progress (under
 * `progressKey`), all or nothing. `skipped` when the connection's own condition says the change does not
 * apply (gone, already disconnected, or newer than the event); a source the sources service removed is
 * left out.
 */
export async function applyRecordChange(
  tables: RecordTables,
  statesTable: string,
  claim: { key: string; owner: string },
  ref: ConnectionRef,
  change: RecordChange,
  entry: ActivityItem,
  progressKey = `${ref.accountId}/${ref.sourceId}`,
): Promise<ApplyOutcome> {
  const connection = connectionItem(tables, ref, change);
  let source = sourceItem(tables, ref, change);
  for (;;) {
    const items = [
      connection,
      source,
      addActivity(tables.activity, entry),
      appliedProgress(statesTable, claim, progressKey),
    ];
    const present = items.filter((i): i is TransactItem => i !== undefined);
    try {
      await documents.send(new TransactWriteCommand({ TransactItems: present }));
      return 'applied';
    } catch (error) {
      const failure = conditionFailure(error);
      if (!failure) throw error;
      const failed = (item: TransactItem | undefined) =>
        item !== undefined && failure.failed(present.indexOf(item));
      if (failed(present[present.length - 1])) throw new ClaimLostError();
      if (failed(connection)) return 'skipped';
      if (failed(source)) {
        source = undefined;
        continue;
      }
      throw error;
    }
  }
}
