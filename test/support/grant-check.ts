// The run's side of the grants check: the units every recorder checks against, and, after a whole-suite run, no grant unused.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CLIENT_CREDENTIAL_KEYS } from '../../lib/client-secrets';
import { vaultModeKey } from './call-units';
import { GRANT_RECORDS_ENV, readRecords, suiteFiles, unusedGrants } from './grant-records';
import { allHandlerUnits } from './grant-units';
import { TEST_TOKEN_VAULT } from './constants';
import { ALLOWED_UNUSED } from './unused-grants';

const ROOT = resolve(__dirname, '../..');

/** Where to write the run's recorded calls (optional). */
const GRANT_REPORT_ENV = 'LISTBACKUP_GRANT_REPORT';

/** What jest's global config says about a run that selects fewer tests. */
export interface RunFilters {
  readonly testNamePattern?: string | null;
}

/** A fresh folder for this run's records, with every handler's units from lib/handler-specs.ts. */
export function prepareGrantRecords(): void {
  const dir = mkdtempSync(join(tmpdir(), 'listbackup-grants-'));
  writeFileSync(join(dir, 'units.json'), JSON.stringify(allHandlerUnits()));
  process.env[GRANT_RECORDS_ENV] = dir;
}

/**
 * When every test file ran with every test selected: each grant of the default vault mode was used by a
 * recorded call of its handler, or is in ALLOWED_UNUSED. A targeted run (a path, -t) checks nothing here.
 * @throws Error naming the unused grants and stale allow-list entries
 */
export function checkGrantRecords(config: RunFilters): void {
  const dir = process.env[GRANT_RECORDS_ENV];
  if (!dir) return;
  const records = readRecords(dir);
  rmSync(dir, { recursive: true, force: true });
  // For a reader: every test file's recorded calls in one file.
  const report = process.env[GRANT_REPORT_ENV];
  if (report) writeFileSync(report, JSON.stringify(records, null, 1));
  const ran = new Set(records.map((r) => r.testPath));
  if (config.testNamePattern || !suiteFiles(ROOT).every((f) => ran.has(f))) return;
  const units = allHandlerUnits()[vaultModeKey(TEST_TOKEN_VAULT)];
  // BatchGetSecretValue (resource "*") is used exactly when a pair is read, so it belongs to the group.
  const anyProvider = [
    ...CLIENT_CREDENTIAL_KEYS.map((k) => `secretsmanager:read secret:${k}`),
    'secretsmanager:BatchGetSecretValue *',
  ];
  const { unused, stale } = unusedGrants(records, units, ALLOWED_UNUSED, anyProvider);
  const count = Object.values(units).reduce((n, u) => n + u.length, 0);
  if (!unused.length && !stale.length) {
    console.log(
      `grants: ${count} grants in lib/handler-specs.ts, each used by a recorded call or allowed unused ` +
        `(${ALLOWED_UNUSED.length} in test/support/unused-grants.ts)`,
    );
    return;
  }
  throw new Error(
    [
      ...(unused.length
        ? [
            'Grants in lib/handler-specs.ts that no recorded call used (remove them, or test the path that needs them):',
          ]
        : []),
      ...unused.map((u) => `  ${u}`),
      ...(stale.length
        ? ['Entries of test/support/unused-grants.ts that are used or no longer granted:']
        : []),
      ...stale.map((u) => `  ${u}`),
    ].join('\n'),
  );
}
