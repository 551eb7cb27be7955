// The token lifecycle's view of its stage: the stage's resources plus the token vault opened on them.
import { resources, type Resources } from '../shared/resources';
import { tokenVault, type TokenVault } from '../store/vault';

export interface TokenConfig extends Resources {
  vault: TokenVault;
}

/**
 * The stage's resources with its vault; call once, at module scope.
 * @example const config = tokenConfig(); await disconnectSource(config, ref, userId);
 */
export function tokenConfig(stage: Resources = resources()): TokenConfig {
  return { ...stage, vault: tokenVault(stage.vaultSettings) };
}
