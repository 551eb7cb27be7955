// Writes the README's table of what the core service must provide (lib/core-contract.ts) between its markers.
// `npm run deploy:docs` rewrites it; test/unit/preflight-docs.test.ts fails when it is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONTRACT_END, CONTRACT_START, renderContract } from '../../lib/core-contract';
import { formatted } from '../credentials/guide';

export const README_FILE = join(__dirname, '..', '..', 'README.md');

/** The README with its generated contract table replaced. */
export function withContract(document: string, table: string = renderContract()): string {
  const start = document.indexOf(CONTRACT_START);
  const end = document.indexOf(CONTRACT_END);
  if (start < 0 || end < start) throw new Error(`markers ${CONTRACT_START} / ${CONTRACT_END} not found`);
  return `${document.slice(0, start)}${table}${document.slice(end + CONTRACT_END.length)}`;
}

if (require.main === module) {
  writeFileSync(README_FILE, formatted(withContract(readFileSync(README_FILE, 'utf8'))));
  console.log(`updated ${README_FILE}`);
}
