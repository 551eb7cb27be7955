// The token vault: one interface (read, create, replace with a version check, remove), two backends picked by the stage.
import { dynamoKmsVault } from './vault-dynamodb';
import type { TokenVault, VaultSettings } from './vault-entry';
import { secretsManagerVault } from './vault-secrets';

export { VersionConflict, infoOf } from './vault-entry';
export type { Lookup, TokenInfo, TokenRef, TokenVault, VaultEntry, VaultSettings } from './vault-entry';
export { tokenSecretName } from './vault-secrets';

/** The vault of a stage; nothing outside lambda/store knows which backend it is. */
export function tokenVault(settings: VaultSettings): TokenVault {
  // A missing key id fails the first write (not the import): reads of the item need no key id.
  return settings.backend === 'secrets-manager' ? secretsManagerVault(settings) : dynamoKmsVault(settings);
}
