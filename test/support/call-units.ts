// What IAM checks for one AWS SDK call: the call as action/resource pairs, and the grant units each pair needs.
// Pure and free of aws-cdk-lib, so every test file's recorder can load it cheaply.

/**
 * One call as IAM sees it: `dynamodb:PutItem table/<name>`, `dynamodb:Query table/<name>/index/<i>`,
 * `secretsmanager:X secret:<name>`, `kms:Decrypt purpose:<purpose>` (the key policy grants by purpose).
 */
export type RecordedCall = string;

/**
 * One grant as a handler's spec gives it, with the stage's names taken off (a call is put in the same words by
 * `logicalCall`): `dynamodb:GetItem table/sources`, `dynamodb:Query table/oauth-tokens/index/byRefreshDue`,
 * `secretsmanager:read secret:google/client_id` (GetSecretValue and DescribeSecret on a named secret),
 * `secretsmanager:BatchGetSecretValue *`, `secretsmanager:X secret:sources/*` (the vault's token secrets),
 * `kms:GenerateDataKey purpose:refresh`, `events:PutEvents bus`.
 */
export type GrantUnit = string;

/** The grant units of one handler in one vault mode (computed from lib/handler-specs.ts by grant-units.ts). */
export type HandlerUnits = Record<string, GrantUnit[]>;

/** Vault mode a call was made in: `<backend>` or `<backend>+fallback`. */
export type VaultModeKey = string;

export type Service = 'dynamodb' | 'secretsmanager' | 'events' | 'kms';

const TRANSACT_ACTIONS: Record<string, string> = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
};

/** The pairs one SDK command is authorized as (a transaction: one pair per item). */
export function callsOf(service: Service, command: string, input: Record<string, unknown>): RecordedCall[] {
  const action = `${service}:${command.replace(/Command$/, '')}`;
  if (service === 'dynamodb') {
    if (command === 'TransactWriteItemsCommand') {
      return (input.TransactItems as Record<string, { TableName: string }>[]).flatMap((item) =>
        Object.entries(item).map(([kind, op]) => `${TRANSACT_ACTIONS[kind]} table/${op.TableName}`),
      );
    }
    if (command === 'BatchGetItemCommand' || command === 'BatchWriteItemCommand') {
      return Object.keys((input.RequestItems as object) ?? {}).map((t) => `${action} table/${t}`);
    }
    const index = input.IndexName ? `/index/${String(input.IndexName)}` : '';
    return [`${action} table/${String(input.TableName)}${index}`];
  }
  if (service === 'secretsmanager') {
    const ids = (input.SecretIdList as string[] | undefined) ?? [String(input.SecretId ?? input.Name)];
    return ids.map((id) => `${action} secret:${id}`);
  }
  if (service === 'kms') {
    const context = input.EncryptionContext as Record<string, string> | undefined;
    return [`${action} purpose:${context?.purpose ?? 'none'}`];
  }
  return [`${action} bus`];
}

/** Where a handler was loaded: the table and client secret prefixes it read from the environment. */
export interface StageNames {
  readonly tablePrefix: string;
  readonly secretPrefix: string;
}

/**
 * A call with the stage's names taken off; a table or secret outside the stage keeps its full name (and so
 * matches no grant).
 * @example logicalCall('dynamodb:GetItem table/lbtest-sources', names) // 'dynamodb:GetItem table/sources'
 */
export function logicalCall(call: RecordedCall, names: StageNames): RecordedCall {
  const [action, resource] = call.split(' ');
  const tables = `table/${names.tablePrefix}-`;
  const secrets = `secret:${names.secretPrefix}/`;
  if (resource.startsWith(tables)) return `${action} table/${resource.slice(tables.length)}`;
  if (resource.startsWith(secrets)) return `${action} secret:${resource.slice(secrets.length)}`;
  return call;
}

const SECRET_READS = ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'];

/**
 * The units a call needs, all of them: a BatchGetSecretValue needs the action (resource `*`) and a read of every
 * secret in the batch, as IAM authorizes it; a call to a token secret needs its action on `sources/*`.
 */
export function unitsNeeded(call: RecordedCall): GrantUnit[] {
  const [action, resource] = call.split(' ');
  if (!action.startsWith('secretsmanager:')) return [call];
  const secret = resource.replace(/^secret:/, '');
  // The vault's token secrets: sources/{accountId}/{sourceId}/oauth-tokens, granted as a pattern.
  if (secret.startsWith('sources/')) return [`${action} secret:sources/*`];
  if (SECRET_READS.includes(action)) return [`secretsmanager:read ${resource}`];
  if (action === 'secretsmanager:BatchGetSecretValue')
    return ['secretsmanager:BatchGetSecretValue *', `secretsmanager:read ${resource}`];
  return [call];
}

/** Whether the units grant the call (in logical words). */
export function granted(call: RecordedCall, units: readonly GrantUnit[]): boolean {
  return unitsNeeded(call).every((u) => units.includes(u));
}

/** The calls the units do not grant (AccessDenied in AWS). */
export function ungrantedBy(calls: readonly RecordedCall[], units: readonly GrantUnit[]): RecordedCall[] {
  return calls.filter((c) => !granted(c, units));
}

/** The units that none of the calls needed. */
export function unusedBy(units: readonly GrantUnit[], calls: readonly RecordedCall[]): GrantUnit[] {
  const used = new Set(calls.flatMap(unitsNeeded));
  return units.filter((u) => !used.has(u));
}

export function vaultModeKey(mode: { backend: string; readFallback: boolean }): VaultModeKey {
  return mode.readFallback ? `${mode.backend}+fallback` : mode.backend;
}
