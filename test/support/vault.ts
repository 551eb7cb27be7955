// The test run's token vault (whichever backend the environment picks), for seeding and inspecting stored tokens.
import type { TokenDocument } from '../../lambda/oauth/token-document';
import { resolveProvider } from '../../lambda/providers/registry';
import { tokenLookup } from '../../lambda/records/shapes';
import { resources } from '../../lambda/shared/resources';
import { tokenVault, type TokenRef, type TokenVault } from '../../lambda/store/vault';

let shared: TokenVault | undefined;
/** The vault the handlers of this test file use (same environment). */
export function testVault(): TokenVault {
  shared ??= tokenVault(resources().vaultSettings);
  return shared;
}

export interface Stored {
  /** The whole document (both tokens opened), or undefined when none is stored. */
  document?: TokenDocument;
  /** The item's version: each write adds one. */
  version: number;
  /** No tokens are stored (never were, or removed by a disconnect, redact or rollback). */
  removed: boolean;
}

export async function stored(ref: TokenRef): Promise<Stored> {
  const entry = await testVault().read(ref);
  return { document: await entry?.openAll(), version: entry?.version ?? 0, removed: entry === undefined };
}

/** Writes a document for a source as a reconnect would (unconditionally, with its lookups). */
export async function seedTokens(ref: TokenRef, document: TokenDocument): Promise<void> {
  const provider = resolveProvider(document.provider, {});
  await testVault().replace(ref, document, tokenLookup(provider, document));
}
