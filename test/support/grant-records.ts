// The recorded calls of a test run (one file per test file) and the check that every grant was used by some call.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  unitsNeeded,
  type GrantUnit,
  type HandlerUnits,
  type RecordedCall,
  type VaultModeKey,
} from './call-units';

/** The run's folder of records: set by the global setup, read by every test file's recorder. */
export const GRANT_RECORDS_ENV = 'LISTBACKUP_GRANT_RECORDS';

/** What one test file recorded. */
export interface FileRecord {
  testPath: string;
  /** Per handler, per vault mode: the distinct calls. */
  calls: Record<string, Record<VaultModeKey, RecordedCall[]>>;
  /** Distinct calls on the handlers' clients outside any handler (test setup, a module tested alone), not checked. */
  unattributed: RecordedCall[];
}

/** A grant no test reaches, kept on purpose. */
export interface AllowedUnused {
  readonly handler: string;
  readonly unit: GrantUnit;
  readonly reason: string;
}

export function readRecords(dir: string): FileRecord[] {
  const files = join(dir, 'files');
  if (!existsSync(files)) return [];
  return readdirSync(files).map((f) => JSON.parse(readFileSync(join(files, f), 'utf8')) as FileRecord);
}

/** Every test file of the suite (jest's roots and testMatch: test/**\/*.test.ts), relative to the root. */
export function suiteFiles(root: string): string[] {
  return (readdirSync(join(root, 'test'), { recursive: true }) as string[])
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => relative(root, join(root, 'test', f)))
    .sort();
}

/** How the client credentials of every provider are named as one grant in a report and the allow-list. */
export const ANY_PROVIDER_CREDENTIALS = 'secretsmanager:read secret:<every provider>/client_id+client_secret';

/**
 * The grants of the checked mode that no recorded call used and the allow-list does not name, and the
 * allow-list entries that are stale (used after all, or no longer granted).
 *
 * `anyProvider`: the client credentials of every provider (and the batch read of a pair). A handler granted all
 * of them reads the pair of the
 * provider its request or record names (no handler branches on the provider), so they count as one grant,
 * ANY_PROVIDER_CREDENTIALS, used when any pair was read. A handler granted some of them only (webhooks) must
 * use each.
 */
export function unusedGrants(
  records: readonly FileRecord[],
  units: HandlerUnits,
  allowed: readonly AllowedUnused[],
  anyProvider: readonly GrantUnit[] = [],
): { unused: string[]; stale: string[] } {
  const used = new Map<string, Set<GrantUnit>>();
  for (const record of records)
    for (const [handler, byMode] of Object.entries(record.calls))
      for (const calls of Object.values(byMode))
        for (const call of calls) {
          const set = used.get(handler) ?? new Set<GrantUnit>();
          unitsNeeded(call).forEach((u) => set.add(u));
          used.set(handler, set);
        }
  const grants = Object.fromEntries(
    Object.entries(units).map(([handler, granted]) => {
      if (!anyProvider.length || !anyProvider.every((u) => granted.includes(u))) return [handler, granted];
      if (anyProvider.some((u) => used.get(handler)?.has(u)))
        used.get(handler)?.add(ANY_PROVIDER_CREDENTIALS);
      return [handler, [...granted.filter((u) => !anyProvider.includes(u)), ANY_PROVIDER_CREDENTIALS]];
    }),
  );
  const isAllowed = (handler: string, unit: GrantUnit) =>
    allowed.some((a) => a.handler === handler && a.unit === unit);
  const unused = Object.entries(grants).flatMap(([handler, granted]) =>
    granted
      .filter((u) => !used.get(handler)?.has(u) && !isAllowed(handler, u))
      .map((u) => `${handler}: ${u}`),
  );
  const stale = allowed
    .filter((a) => used.get(a.handler)?.has(a.unit) || !grants[a.handler]?.includes(a.unit))
    .map((a) => `${a.handler}: ${a.unit}`);
  return { unused, stale };
}
