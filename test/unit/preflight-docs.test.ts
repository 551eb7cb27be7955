// The README's table of what the core service must provide is generated from the code that assumes it.
import { readFileSync } from 'node:fs';
import { CONTRACT_END, CONTRACT_START, renderContract } from '../../lib/core-contract';
import { IMPORTED_TABLES } from '../../lib/imported-tables';
import { TABLES } from '../../lambda/store/tables';
import { formatted } from '../../scripts/credentials/guide';
import { README_FILE, withContract } from '../../scripts/preflight/contract-doc';

describe('README core-service table', () => {
  const readme = readFileSync(README_FILE, 'utf8');

  it('is current (npm run deploy:docs)', () => {
    expect(formatted(withContract(readme))).toBe(readme);
  });

  it('names every imported table with the keys of lambda/store/tables.ts, the authorizer contract and the bus', () => {
    const table = renderContract();
    expect(table.startsWith(CONTRACT_START)).toBe(true);
    expect(table.endsWith(CONTRACT_END)).toBe(true);
    for (const name of IMPORTED_TABLES) {
      const { partitionKey, sortKey } = TABLES[name];
      expect(table).toContain(
        `| Table ${name} | \`tablePrefix\` | \`<tablePrefix>-${name}\`, key \`${partitionKey}\` (S)${sortKey ? ` + \`${sortKey}\` (S)` : ''}`,
      );
    }
    expect(table).toMatch(
      /type `REQUEST`, payload format `2\.0`, identity source `\$request\.header\.Authorization`/,
    );
    expect(table).toMatch(/returns `userId` and `accountId`/);
    expect(table).toContain('| Event bus | `eventBusName` |');
  });

  it('refuses a document without markers', () => {
    expect(() => withContract('# no markers')).toThrow(/markers/);
  });
});
