// The vault's own calls per read and per refresh, on both backends, counted on the wire; and what a connection costs a month.
import { GetItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { toItem } from '../local/items';
import { localClient } from '../local/dynamo-local';
import type { TokenDocument } from '../../lambda/oauth/token-document';
import { physicalTableName } from '../../lambda/store/tables';
import type { TokenVault, VaultSettings } from '../../lambda/store/vault';
import { PRICES, usd } from './cost';
import { awsOperation } from './counting-proxy';
import { BENCH_TABLE_PREFIX, type LocalEnv } from './local-env';
import { print } from './report';
import { markdownTable } from './stats';

type Calls = Record<string, number>;

/** Vault calls of one operation: requests by service, DynamoDB units, item size. */
export interface VaultUse {
  kms: number;
  secrets: number;
  dynamoCalls: number;
  writeUnits: number;
  readUnits: number;
}

const byService = (calls: Calls, service: string) =>
  Object.entries(calls)
    .filter(([target]) => awsOperation(target).service === service)
    .reduce((sum, [, n]) => sum + n, 0);

function document(refreshToken: string): TokenDocument {
  // Sizes of real tokens: a Google access token is ~220 characters, Box and QuickBooks refresh tokens 64-100.
  return {
    version: 1,
    provider: 'box',
    accessToken: `ya29.${'a'.repeat(215)}`,
    refreshToken,
    tokenType: 'bearer',
    scopes: ['root_readwrite'],
    expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    obtainedAt: new Date().toISOString(),
    externalAccount: { boxUserId: '1234567890' },
  };
}

/** Lookups as a refresh writes them: the next due time moves on each refresh (an index move). */
let dueStep = 0;
const lookup = () => ({
  externalKey: 'box#boxUserId=1234567890',
  refreshDueAt: new Date(Date.now() + 3_000_000 + (dueStep += 1000)).toISOString(),
});

/** What one read and one refresh of a connection's tokens cost the vault (rotating and not). */
export interface VaultMeasurement {
  read: VaultUse;
  refresh: VaultUse;
  refreshRotating: VaultUse;
  itemBytes: number;
}

async function measureBackend(local: LocalEnv, vault: TokenVault): Promise<VaultMeasurement> {
  const around = async (run: () => Promise<unknown>): Promise<VaultUse> => {
    const calls0 = local.awsCalls();
    const cap0 = local.proxy.capacity();
    await run();
    const calls1 = local.awsCalls();
    const delta: Calls = Object.fromEntries(
      Object.entries(calls1).map(([k, v]) => [k, v - (calls0[k] ?? 0)]),
    );
    let writeUnits = 0;
    let readUnits = 0;
    for (const [target, c] of Object.entries(local.proxy.capacity())) {
      writeUnits += c.write - (cap0[target]?.write ?? 0);
      readUnits += c.read - (cap0[target]?.read ?? 0);
    }
    return {
      kms: byService(delta, 'KMS'),
      secrets: byService(delta, 'SecretsManager'),
      dynamoCalls: byService(delta, 'DynamoDB'),
      writeUnits,
      readUnits,
    };
  };
  const ref = {
    accountId: 'acct-bench',
    sourceId: `src_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`,
  };
  await vault.create(ref, document('rt-0-'.padEnd(80, 'x')), lookup());
  // A read hands out the access token: the item (or secret) and the access part.
  const read = await around(async () => (await vault.read(ref))?.openAccess());
  // A refresh reads, opens the refresh part, and writes the new access token on the version it read.
  const refresh = await around(async () => {
    const entry = await vault.read(ref);
    const used = await entry?.openRefresh();
    await vault.replace(
      ref,
      { ...document(used?.refreshToken as string), accessToken: 'ya29.next'.padEnd(220, 'b') },
      lookup(),
      entry,
    );
  });
  const refreshRotating = await around(async () => {
    const entry = await vault.read(ref);
    await entry?.openRefresh();
    await vault.replace(ref, document('rt-1-'.padEnd(80, 'y')), lookup(), entry);
  });
  const client = localClient(local.dynamo.endpoint);
  const out = await client.send(
    new GetItemCommand({
      TableName: physicalTableName(BENCH_TABLE_PREFIX, 'oauth-tokens'),
      Key: toItem(ref),
    }),
  );
  client.destroy();
  return { read, refresh, refreshRotating, itemBytes: itemSize(out.Item ?? {}) };
}

/** DynamoDB's item size: attribute names plus values (strings and binaries by length, numbers ~ digits). */
function itemSize(item: Record<string, AttributeValue>): number {
  const value = (v: AttributeValue): number => {
    if (v.S !== undefined) return Buffer.byteLength(v.S);
    if (v.N !== undefined) return Math.ceil(v.N.length / 2) + 1;
    if (v.B !== undefined) return v.B.length;
    if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
    if (v.L) return 3 + v.L.reduce((n, x) => n + 1 + value(x), 0);
    if (v.M) return 3 + Object.entries(v.M).reduce((n, [k, x]) => n + 1 + Buffer.byteLength(k) + value(x), 0);
    if (v.SS) return v.SS.reduce((n, x) => n + Buffer.byteLength(x), 0);
    return 0;
  };
  return Object.entries(item).reduce((n, [k, v]) => n + Buffer.byteLength(k) + value(v), 0);
}

/** Monthly cost of one connection's tokens in a backend, from measured uses (vault calls only). */
export function connectionMonth(
  m: VaultMeasurement,
  backend: VaultSettings['backend'],
  month: { reads: number; refreshes: number; rotating: boolean },
  sources: number,
): { total: number; kms: number; dynamo: number; secrets: number } {
  const refresh = month.rotating ? m.refreshRotating : m.refresh;
  const dynamo =
    month.reads *
      (m.read.writeUnits * PRICES.dynamoPerWriteUnit + m.read.readUnits * PRICES.dynamoPerReadUnit) +
    month.refreshes *
      (refresh.writeUnits * PRICES.dynamoPerWriteUnit + refresh.readUnits * PRICES.dynamoPerReadUnit) +
    // Stored item, and point-in-time recovery (priced per GB-month like storage).
    ((m.itemBytes * 2) / 1e9) * PRICES.dynamoPerGbMonth;
  const kms =
    (month.reads * m.read.kms + month.refreshes * refresh.kms) * PRICES.kmsPerRequest +
    (backend === 'dynamodb-kms' ? PRICES.kmsKeyPerMonth / sources : 0);
  const secrets =
    (month.reads * m.read.secrets + month.refreshes * refresh.secrets) * PRICES.secretsPerApiCall +
    (backend === 'secrets-manager' ? PRICES.secretPerMonth : 0);
  return { total: dynamo + kms + secrets, kms, dynamo, secrets };
}

export async function vaultCosts(
  local: LocalEnv,
  vaults: Record<VaultSettings['backend'], TokenVault>,
): Promise<Record<VaultSettings['backend'], VaultMeasurement>> {
  const measured = {
    'dynamodb-kms': await measureBackend(local, vaults['dynamodb-kms']),
    'secrets-manager': await measureBackend(local, vaults['secrets-manager']),
  };
  print('## Token vault: calls per read and per refresh, cost per connection-month');
  print();
  print(
    'The vault alone (lambda/store/vault*.ts against DynamoDB Local, moto_server KMS and the Secrets Manager stand-in, ' +
      'counted on the wire). A read hands out the access token; a refresh opens the refresh part and writes the new ' +
      'tokens on the version it read ("rotating": the provider also issued a new refresh token).',
  );
  print();
  const row = (name: string, u: VaultUse) => [
    name,
    String(u.kms),
    String(u.dynamoCalls),
    String(u.writeUnits),
    String(u.readUnits),
    String(u.secrets),
  ];
  const rows: string[][] = [];
  for (const [backend, m] of Object.entries(measured)) {
    rows.push(row(`${backend} read`, m.read));
    rows.push(row(`${backend} refresh`, m.refresh));
    rows.push(row(`${backend} refresh, rotating`, m.refreshRotating));
  }
  print(
    markdownTable(
      ['operation', 'KMS requests', 'DynamoDB calls', 'WRU', 'RRU', 'Secrets Manager calls'],
      rows,
    ),
  );
  print();
  print(`dynamodb-kms item: ${measured['dynamodb-kms'].itemBytes} bytes.`);
  print();
  const costRows: string[][] = [];
  for (const [label, reads, refreshes] of [
    ['daily backups', 120, 30],
    ['hourly syncs', 720, 720],
  ] as const) {
    for (const rotating of [false, true]) {
      const cells = (['dynamodb-kms', 'secrets-manager'] as const).map((backend) => {
        const c = connectionMonth(measured[backend], backend, { reads, refreshes, rotating }, 100_000);
        return `${usd(c.total)}${backend === 'dynamodb-kms' ? ` (KMS ${usd(c.kms)})` : ''}`;
      });
      costRows.push([
        `${label}: ${reads} reads + ${refreshes} refreshes${rotating ? ', rotating' : ''}`,
        ...cells,
      ]);
    }
  }
  print(
    markdownTable(['per connection a month (100,000 sources)', 'dynamodb-kms', 'secrets-manager'], costRows),
  );
  print();
  print(
    'Targets (issue): dynamodb-kms at most $0.01 at hourly reads and refreshes, $0.002 at daily backups. Lambda, the ' +
      'connection records and the leases cost the same on both backends and are in the cost section above.',
  );
  print();
  return measured;
}

/** Runs the vault in this process against the bench's emulators (through the counting proxies), both backends. */
export async function measureVaults(
  local: LocalEnv,
): Promise<Record<VaultSettings['backend'], VaultMeasurement>> {
  const env = local.handlerEnv(true);
  for (const name of [
    'AWS_ENDPOINT_URL_DYNAMODB',
    'AWS_ENDPOINT_URL_KMS',
    'AWS_ENDPOINT_URL_SECRETS_MANAGER',
    'AWS_REGION',
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_EC2_METADATA_DISABLED',
  ])
    process.env[name] = env[name];
  // Imported only now: the SDK clients of lambda/store read the endpoints when they are created.
  const { tokenVault } = await import('../../lambda/store/vault');
  const base = {
    stage: 'bench',
    table: physicalTableName(BENCH_TABLE_PREFIX, 'oauth-tokens'),
    keyId: local.tokenKeyId,
    readFallback: false,
  };
  try {
    return await vaultCosts(local, {
      'dynamodb-kms': tokenVault({ ...base, backend: 'dynamodb-kms' }),
      'secrets-manager': tokenVault({ ...base, backend: 'secrets-manager' }),
    });
  } finally {
    const clients = await import('../../lambda/store/clients');
    for (const client of [clients.dynamo, clients.secrets, clients.kms]) client.destroy();
  }
}
