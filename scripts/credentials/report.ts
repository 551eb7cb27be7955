// Pure parts of `status` and of change plans: classify a secret, render the table, compare by hash.
import { createHash } from 'node:crypto';
import { PLACEHOLDER_PREFIX } from '../../lambda/store/client-credentials';
import type { TargetId } from './targets';

/** `malformed`: present, but not shaped as the registry expects (scripts/credentials/status.ts). */
export type SecretState = 'present' | 'placeholder' | 'malformed' | 'missing' | 'scheduled for deletion';

/** What `status` learned about one secret; holds no value. */
export interface SecretStatus {
  target: TargetId;
  secretName: string;
  state: SecretState;
  lastChanged?: Date;
}

/** Classifies a secret's current value (undefined: the secret does not exist) without keeping it. */
export function classify(value: string | undefined, deleted = false): SecretState {
  if (deleted) return 'scheduled for deletion';
  if (value === undefined) return 'missing';
  if (value === '' || value.startsWith(PLACEHOLDER_PREFIX)) return 'placeholder';
  return 'present';
}

function formatDate(date: Date | undefined): string {
  return date ? `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC` : '-';
}

/** A plain-text table: a header row and rows, columns padded to fit. */
export function renderTable(table: readonly (readonly string[])[]): string {
  const widths = table[0].map((_, col) => Math.max(...table.map((row) => row[col].length)));
  return table
    .map((row) =>
      row
        .map((cell, col) => cell.padEnd(widths[col]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** The status table, one row a secret. */
export function renderStatusTable(rows: readonly SecretStatus[]): string {
  return renderTable([
    ['PROVIDER', 'SECRET', 'STATE', 'LAST CHANGED'],
    ...rows.map((r) => [r.target, r.secretName, r.state, formatDate(r.lastChanged)]),
  ]);
}

/** Targets with at least one secret that is not present, in table order. */
export function notReady(rows: readonly SecretStatus[]): TargetId[] {
  return [...new Set(rows.filter((r) => r.state !== 'present').map((r) => r.target))];
}

export type ChangeAction = 'would create version' | 'unchanged';

/** One planned write; holds no value. */
export interface PlannedChange {
  target: TargetId;
  secretName: string;
  action: ChangeAction;
}

/** SHA-256 of a value: changes are decided by comparing hashes, so values are never compared or shown. */
export function fingerprint(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

export function planChange(
  target: TargetId,
  secretName: string,
  currentHash: string,
  desiredHash: string,
): PlannedChange {
  return { target, secretName, action: currentHash === desiredHash ? 'unchanged' : 'would create version' };
}

/** The dry-run / result table. `done` turns "would create version" into "version created". */
export function renderPlan(changes: readonly PlannedChange[], done: boolean): string {
  const verb = (a: ChangeAction) =>
    a === 'unchanged' ? 'unchanged' : done ? 'version created' : 'would create version';
  return renderTable([
    ['PROVIDER', 'SECRET', 'CHANGE'],
    ...changes.map((c) => [c.target, c.secretName, verb(c.action)]),
  ]);
}
