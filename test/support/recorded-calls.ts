// Records the AWS calls the handler modules make (SDK middleware on the shared clients) as IAM action/resource pairs.
import type { AccessSpec } from '../../lib/handler-specs';
import { vaultGrants } from '../../lib/token-vault';
import { readEnv } from '../../lambda/shared/env';
import { TEST_SECRET_PREFIX, TEST_TABLE_PREFIX } from './constants';

/**
 * One call as IAM sees it: `dynamodb:PutItem table/<name>`, `dynamodb:Query table/<name>/index/<i>`,
 * `secretsmanager:X secret:<name>`, `kms:Decrypt purpose:<purpose>` (the key policy grants by purpose).
 */
export type RecordedCall = string;

const TRANSACT_ACTIONS: Record<string, string> = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
};

function dynamoCalls(command: string, input: Record<string, unknown>): RecordedCall[] {
  if (command === 'TransactWriteItemsCommand') {
    return (input.TransactItems as Record<string, { TableName: string }>[]).flatMap((item) =>
      Object.entries(item).map(([kind, op]) => `${TRANSACT_ACTIONS[kind]} table/${op.TableName}`),
    );
  }
  const action = `dynamodb:${command.replace(/Command$/, '')}`;
  const index = input.IndexName ? `/index/${String(input.IndexName)}` : '';
  return [`${action} table/${String(input.TableName)}${index}`];
}

interface Recordable {
  middlewareStack: {
    add(
      m: (
        next: (a: unknown) => Promise<unknown>,
        context: { commandName?: string },
      ) => (a: unknown) => Promise<unknown>,
      o: { step: 'initialize'; name: string },
    ): void;
    remove(name: string): boolean;
  };
}

/**
 * Starts recording every call of the handlers' DynamoDB, Secrets Manager, EventBridge and KMS clients.
 * @example const rec = await recordCalls(); ...; expect(ungranted(rec.calls(), HANDLERS['oauth-complete'].access)).toEqual([])
 */
export async function recordCalls(): Promise<{ calls(): RecordedCall[]; clear(): void; stop(): void }> {
  const clients = await import('../../lambda/store/clients');
  const calls: RecordedCall[] = [];
  const name = 'test-call-recorder';
  const attach = (client: Recordable, service: 'dynamodb' | 'secretsmanager' | 'events' | 'kms') =>
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const command = context.commandName ?? 'Unknown';
        const input = (args as { input: Record<string, unknown> }).input;
        if (service === 'dynamodb') calls.push(...dynamoCalls(command, input));
        else if (service === 'secretsmanager') {
          const action = `secretsmanager:${command.replace(/Command$/, '')}`;
          const ids = (input.SecretIdList as string[] | undefined) ?? [String(input.SecretId ?? input.Name)];
          calls.push(...ids.map((id) => `${action} secret:${id}`));
        } else if (service === 'kms') {
          const context = input.EncryptionContext as Record<string, string> | undefined;
          calls.push(`kms:${command.replace(/Command$/, '')} purpose:${context?.purpose ?? 'none'}`);
        } else calls.push(`events:${command.replace(/Command$/, '')} bus`);
        return next(args);
      },
      { step: 'initialize', name },
    );
  attach(clients.dynamo as unknown as Recordable, 'dynamodb');
  attach(clients.secrets as unknown as Recordable, 'secretsmanager');
  attach(clients.events as unknown as Recordable, 'events');
  attach(clients.kms as unknown as Recordable, 'kms');
  return {
    calls: () => [...new Set(calls)].sort(),
    clear: () => {
      calls.length = 0;
    },
    stop: () => {
      for (const client of [clients.dynamo, clients.secrets, clients.events, clients.kms])
        (client as unknown as Recordable).middlewareStack.remove(name);
    },
  };
}

/** Whether a handler's spec grants a recorded call (table names and secrets of the test environment). */
export function isGranted(call: RecordedCall, access: AccessSpec): boolean {
  const [action, resource] = call.split(' ');
  const table = (name: string) => `table/${TEST_TABLE_PREFIX}-${name}`;
  const env = readEnv();
  const vault = vaultGrants(access.vault ?? [], {
    backend: env.tokenVault,
    readFallback: env.tokenReadFallback,
  });
  if (action.startsWith('dynamodb:')) {
    if (action === 'dynamodb:Query') {
      return (access.tokenIndexes ?? []).some((i) => resource === `${table('oauth-tokens')}/index/${i}`);
    }
    if (resource === table('oauth-states')) return (access.states ?? []).includes(action as never);
    if (resource === table('oauth-tokens')) return vault.table.includes(action);
    return Object.entries(access.tables ?? {}).some(
      ([name, actions]) => resource === table(name) && (actions ?? []).includes(action as never),
    );
  }
  if (action.startsWith('secretsmanager:')) {
    const secret = resource.replace(/^secret:/, '');
    if (secret.startsWith('sources/')) return vault.secrets.includes(action);
    const key = secret.replace(`${TEST_SECRET_PREFIX}/`, '');
    // Client credentials are read as a pair (BatchGetSecretValue) or one by one (GetSecretValue).
    return (
      [
        'secretsmanager:GetSecretValue',
        'secretsmanager:DescribeSecret',
        'secretsmanager:BatchGetSecretValue',
      ].includes(action) && (access.secrets ?? []).includes(key as never)
    );
  }
  if (action === 'events:PutEvents') return access.publishEvents === true;
  if (action === 'kms:Decrypt' || action === 'kms:GenerateDataKey') {
    const purpose = resource.replace(/^purpose:/, '') as 'access' | 'refresh';
    return (action === 'kms:Decrypt' ? vault.decrypt : vault.seal).includes(purpose);
  }
  return false;
}

/** The recorded calls a spec does not grant (AccessDenied in AWS). */
export function ungranted(calls: RecordedCall[], access: AccessSpec): RecordedCall[] {
  return calls.filter((c) => !isGranted(c, access));
}
