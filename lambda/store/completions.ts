// Pending completions: sealed tokens waiting for the user who started the flow to confirm (RFC 9700 §4.7.1).
import type { ProviderId } from '../providers/types';
import { putNewItem, takeItem } from './states';

export interface CompletionRecord {
  /** `completion#<sha256(id)>`: the id itself is never stored. */
  state: string;
  kind: 'completion';
  provider: ProviderId;
  userId: string;
  accountId: string;
  sourceId?: string;
  /** The flow id of the start that led here (logs only). */
  flowId?: string;
  /** The token document sealed with a key derived from the completion id. */
  sealed: string;
  createdAt: string;
  expiresAt: number;
  ttl: number;
}

export function putCompletion(tableName: string, record: CompletionRecord): Promise<void> {
  return putNewItem(tableName, record);
}

/** Deletes and returns a completion in one conditional call: single use under concurrency. */
export function consumeCompletion(tableName: string, key: string): Promise<CompletionRecord | undefined> {
  return takeItem<CompletionRecord>(tableName, key, 'completion');
}
