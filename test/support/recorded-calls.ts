// Records the AWS calls the handler modules make (SDK middleware on the shared clients) as IAM action/resource pairs.
import type { AccessSpec } from '../../lib/handler-specs';
import { readEnv } from '../../lambda/shared/env';
import { callsOf, granted, logicalCall, type RecordedCall, type Service } from './call-units';
import { TEST_SECRET_PREFIX, TEST_TABLE_PREFIX } from './constants';
import { grantUnits } from './grant-units';

export type { RecordedCall } from './call-units';

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
  const attach = (client: Recordable, service: Service) =>
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = (args as { input: Record<string, unknown> }).input;
        calls.push(...callsOf(service, context.commandName ?? 'Unknown', input));
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
  const env = readEnv();
  const names = { tablePrefix: TEST_TABLE_PREFIX, secretPrefix: TEST_SECRET_PREFIX };
  return granted(
    logicalCall(call, names),
    grantUnits(access, { backend: env.tokenVault, readFallback: env.tokenReadFallback }),
  );
}

/** The recorded calls a spec does not grant (AccessDenied in AWS). */
export function ungranted(calls: RecordedCall[], access: AccessSpec): RecordedCall[] {
  return calls.filter((c) => !isGranted(c, access));
}
