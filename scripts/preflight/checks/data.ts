// The core service's tables (with the key schemas lambda/store/tables.ts names), our own table's name, and the bus.
import { DescribeTableCommand, type TableDescription } from '@aws-sdk/client-dynamodb';
import { DescribeEventBusCommand } from '@aws-sdk/client-eventbridge';
import { importedTableContracts } from '../../../lib/core-contract';
import { TABLES, TABLE_NAMES, physicalTableName, type KeySchema } from '../../../lambda/store/tables';
import { isNotFound, unchecked } from '../aws';
import type { CheckContext } from '../context';
import { fail, ok, type Finding } from '../findings';

function keyOf(
  elements: readonly { AttributeName?: string; KeyType?: string }[] | undefined,
  types: ReadonlyMap<string, string>,
): string {
  const hash = elements?.find((e) => e.KeyType === 'HASH')?.AttributeName;
  const range = elements?.find((e) => e.KeyType === 'RANGE')?.AttributeName;
  const typed = (name: string | undefined) => (name ? `${name} (${types.get(name) ?? '?'})` : undefined);
  return [typed(hash), typed(range)].filter(Boolean).join(' + ');
}

const wanted = (key: KeySchema) =>
  [`${key.partitionKey} (S)`, key.sortKey ? `${key.sortKey} (S)` : undefined].filter(Boolean).join(' + ');

/** Key schema problems of one table: the table's key, then each index the code queries. */
function schemaProblems(
  table: TableDescription,
  key: KeySchema,
  indexes: Readonly<Record<string, KeySchema>>,
): string[] {
  const types = new Map(
    (table.AttributeDefinitions ?? []).map((d) => [d.AttributeName ?? '', d.AttributeType ?? '']),
  );
  const problems: string[] = [];
  const actual = keyOf(table.KeySchema, types);
  if (actual !== wanted(key)) problems.push(`key is ${actual || '(none)'}, the code uses ${wanted(key)}`);
  for (const [name, indexKey] of Object.entries(indexes)) {
    const index = table.GlobalSecondaryIndexes?.find((i) => i.IndexName === name);
    if (!index) {
      problems.push(`index ${name} is missing (the code queries it on ${wanted(indexKey)})`);
      continue;
    }
    const indexActual = keyOf(index.KeySchema, types);
    if (indexActual !== wanted(indexKey))
      problems.push(`index ${name} is keyed ${indexActual}, the code uses ${wanted(indexKey)}`);
    if (index.Projection?.ProjectionType !== 'ALL')
      problems.push(
        `index ${name} projects ${index.Projection?.ProjectionType ?? 'nothing'}, the code reads ALL`,
      );
  }
  return problems;
}

async function importedTable(
  ctx: CheckContext,
  contract: ReturnType<typeof importedTableContracts>[number],
): Promise<Finding> {
  const subject = `table ${contract.tableName}`;
  try {
    const { Table } = await ctx.clients.dynamo.send(
      new DescribeTableCommand({ TableName: contract.tableName }),
    );
    const problems = schemaProblems(Table ?? {}, contract.key, contract.indexes);
    if (problems.length === 0) return ok('tables.schema', subject, `exists, keyed ${wanted(contract.key)}`);
    return fail(
      'tables.schema',
      subject,
      problems.join('; '),
      `the core service's ${contract.logical} table must match lambda/store/tables.ts (README, what the core service ` +
        'must provide); if tablePrefix names the wrong tables, fix it in lib/stages.ts',
    );
  } catch (error) {
    if (isNotFound(error)) {
      return fail(
        'tables.exists',
        subject,
        `not found in ${ctx.settings.region}`,
        `check tablePrefix (${ctx.settings.tablePrefix}) in lib/stages.ts, or have the core service create its ` +
          `${contract.logical} table (key ${wanted(contract.key)}) before this deploy`,
      );
    }
    return unchecked('tables.exists', subject, `dynamodb:DescribeTable on ${contract.tableName}`, error);
  }
}

/** Before the first deploy, a table of ours that exists already would fail the create. */
async function ownTables(ctx: CheckContext): Promise<Finding[]> {
  if (ctx.stack) return [];
  const owned = TABLE_NAMES.filter((name) => TABLES[name].owned);
  return Promise.all(
    owned.map(async (name) => {
      const tableName = physicalTableName(ctx.settings.tablePrefix, name);
      const subject = `table ${tableName}`;
      try {
        await ctx.clients.dynamo.send(new DescribeTableCommand({ TableName: tableName }));
        return fail(
          'tables.owned',
          subject,
          'exists already, but the stack creates it: the first deploy would fail on its name',
          `if it is a leftover of a failed or removed deploy, delete it (aws dynamodb delete-table --region ` +
            `${ctx.settings.region} --table-name ${tableName}); otherwise give the stage another tablePrefix`,
        );
      } catch (error) {
        if (isNotFound(error)) return ok('tables.owned', subject, 'free: the stack creates it');
        return unchecked('tables.owned', subject, `dynamodb:DescribeTable on ${tableName}`, error);
      }
    }),
  );
}

async function bus(ctx: CheckContext): Promise<Finding> {
  const name = ctx.settings.eventBusName;
  const subject = `event bus ${name}`;
  try {
    await ctx.clients.events.send(new DescribeEventBusCommand({ Name: name }));
    return ok('bus.exists', subject, 'exists');
  } catch (error) {
    if (isNotFound(error)) {
      return fail(
        'bus.exists',
        subject,
        `not found in ${ctx.settings.region}: every connection event would fail to publish`,
        `set eventBusName in lib/stages.ts to the core service's bus (aws events list-event-buses --region ${ctx.settings.region})`,
      );
    }
    return unchecked('bus.exists', subject, `events:DescribeEventBus on ${name}`, error);
  }
}

export async function dataFindings(ctx: CheckContext): Promise<Finding[]> {
  const [imported, owned, bused] = await Promise.all([
    Promise.all(importedTableContracts(ctx.settings.tablePrefix).map((c) => importedTable(ctx, c))),
    ownTables(ctx),
    bus(ctx),
  ]);
  return [...imported, ...owned, bused];
}
