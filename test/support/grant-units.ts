// Every grant a handler's spec gives, as units in the recorder's words (the token vault's through vaultGrants, as the stack does).
import { HANDLERS, HANDLER_NAMES, type AccessSpec } from '../../lib/handler-specs';
import { VAULT_BACKENDS, type VaultBackend } from '../../lambda/shared/env';
import { vaultGrants } from '../../lib/token-vault';
import { vaultModeKey, type GrantUnit, type HandlerUnits, type VaultModeKey } from './call-units';

export interface VaultMode {
  readonly backend: VaultBackend;
  readonly readFallback: boolean;
}

const table = (name: string) => `table/${name}`;

/**
 * The units of one spec in one vault mode, in logical names (call-units.ts).
 * @example grantUnits({ states: ['dynamodb:PutItem'] }, mode) // ['dynamodb:PutItem table/oauth-states']
 */
export function grantUnits(access: AccessSpec, mode: VaultMode): GrantUnit[] {
  const units = new Set<GrantUnit>();
  for (const action of access.states ?? []) units.add(`${action} ${table('oauth-states')}`);
  for (const [name, actions] of Object.entries(access.tables ?? {}))
    for (const action of actions ?? []) units.add(`${action} ${table(name)}`);
  for (const index of access.tokenIndexes ?? [])
    units.add(`dynamodb:Query ${table('oauth-tokens')}/index/${index}`);
  const vault = vaultGrants(access.vault ?? [], mode);
  for (const action of vault.table) units.add(`${action} ${table('oauth-tokens')}`);
  for (const purpose of vault.decrypt) units.add(`kms:Decrypt purpose:${purpose}`);
  for (const purpose of vault.seal) units.add(`kms:GenerateDataKey purpose:${purpose}`);
  for (const action of vault.secrets) units.add(`${action} secret:sources/*`);
  for (const key of access.secrets ?? []) units.add(`secretsmanager:read secret:${key}`);
  // As ClientSecrets.grantRead: BatchGetSecretValue (resource "*") where a client id and secret pair is granted.
  if ((access.secrets ?? []).some((k) => k.endsWith('/client_secret')))
    units.add('secretsmanager:BatchGetSecretValue *');
  if (access.publishEvents) units.add('events:PutEvents bus');
  return [...units].sort();
}

/** Every vault mode a stage can run in. */
export const VAULT_MODES: readonly VaultMode[] = VAULT_BACKENDS.flatMap((backend) =>
  [false, true].map((readFallback) => ({ backend, readFallback })),
);

/** Every handler's units in every vault mode: what the recorder of each test file checks calls against. */
export function allHandlerUnits(
  specs: Record<string, { access: AccessSpec }> = HANDLERS,
): Record<VaultModeKey, HandlerUnits> {
  return Object.fromEntries(
    VAULT_MODES.map((mode) => [
      vaultModeKey(mode),
      Object.fromEntries(HANDLER_NAMES.map((name) => [name, grantUnits(specs[name].access, mode)])),
    ]),
  );
}
