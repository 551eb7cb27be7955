// Moves a stage's tokens from their Secrets Manager secrets into the oauth-tokens table (or, for a stage that keeps the
// secrets-manager backend, writes the lookups the service queries): conditional, verified, resumable.
import { ListSecretsCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { resolveProvider } from '../../lambda/providers/registry';
import { tokenLookup } from '../../lambda/records/shapes';
import { dynamoKmsVault, sealIfUnsealed } from '../../lambda/store/vault-dynamodb';
import { lookupFields, writeTokenItem } from '../../lambda/store/token-items';
import { VersionConflict, type TokenRef, type VaultSettings } from '../../lambda/store/vault-entry';
import {
  TOKEN_SECRET_NAME,
  deleteSecret,
  readSecret,
  tokenSecretName,
} from '../../lambda/store/vault-secrets';

export interface MigrateOptions {
  dryRun: boolean;
  /** After copying: schedule the deletion of each secret whose tokens the table holds (7-day window). */
  deleteSecrets: boolean;
  /** Secrets handled per second at most (each costs a few AWS calls). */
  ratePerSecond: number;
}

/** Counts only: the command never prints a token or a document. */
export interface MigrateCounts {
  /** Token secrets found. */
  seen: number;
  /** Sealed into the table by this run (dry run: would be). */
  copied: number;
  /** The table already held tokens for the source (an earlier run, or a refresh or reconnect since). */
  alreadyThere: number;
  /** Scheduled for deletion by --delete-secrets. */
  secretsDeleted: number;
  /** Secrets left alone by --delete-secrets because the table does not hold their tokens. */
  secretsKept: number;
  failed: number;
}

export interface MigrateDeps {
  secrets: SecretsManagerClient;
  settings: VaultSettings;
  /** Progress lines (ids and outcomes only). */
  log: (line: string) => void;
  sleep?: (ms: number) => Promise<void>;
}

async function* tokenSecrets(client: SecretsManagerClient): AsyncGenerator<TokenRef> {
  let next: string | undefined;
  do {
    const page = await client.send(
      new ListSecretsCommand({
        Filters: [{ Key: 'name', Values: ['sources/'] }],
        MaxResults: 100,
        NextToken: next,
      }),
    );
    for (const s of page.SecretList ?? []) {
      const m = TOKEN_SECRET_NAME.exec(s.Name ?? '');
      if (m && !s.DeletedDate) yield { accountId: m[1], sourceId: m[2] };
    }
    next = page.NextToken;
  } while (next);
}

const nameOf = (ref: TokenRef) => tokenSecretName(ref.accountId, ref.sourceId);
const idOf = (ref: TokenRef) => `${ref.accountId}/${ref.sourceId}`;

/**
 * Visits each live token secret, at most `ratePerSecond` a second. A failure is counted and logged (ids and the
 * error only) and the pass goes on: running it again retries what failed.
 */
async function eachSecret(
  options: MigrateOptions,
  deps: MigrateDeps,
  counts: MigrateCounts,
  visit: (ref: TokenRef) => Promise<void>,
): Promise<MigrateCounts> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const interval = 1000 / Math.max(options.ratePerSecond, 0.1);
  let nextAt = Date.now();
  for await (const ref of tokenSecrets(deps.secrets)) {
    const wait = nextAt - Date.now();
    if (wait > 0) await sleep(wait);
    nextAt = Math.max(nextAt, Date.now()) + interval;
    counts.seen += 1;
    try {
      await visit(ref);
    } catch (error) {
      counts.failed += 1;
      deps.log(
        `failed ${idOf(ref)}: ${(error as Error)?.name ?? 'Error'}: ${(error as Error)?.message ?? ''}`,
      );
    }
  }
  return counts;
}

/**
 * One pass over the stage's token secrets. Each is copied with a write that succeeds only while the item holds no
 * tokens (never over a refresh's newer ones, never over a disconnect), then verified by opening it. Safe to repeat
 * and to run while refreshes happen: a refresh that finds no item reads the secret (TOKEN_VAULT_READ_FALLBACK) and
 * its write wins or loses on the item's version like any other.
 */
export async function migrate(options: MigrateOptions, deps: MigrateDeps): Promise<MigrateCounts> {
  const counts: MigrateCounts = {
    seen: 0,
    copied: 0,
    alreadyThere: 0,
    secretsDeleted: 0,
    secretsKept: 0,
    failed: 0,
  };
  if (deps.settings.backend === 'secrets-manager') return backfillLookups(options, deps, counts);
  const vault = dynamoKmsVault({ ...deps.settings, readFallback: false });
  return eachSecret(options, deps, counts, async (ref) => {
    const sealed = await vault.read(ref);
    if (sealed) counts.alreadyThere += 1;
    else {
      const document = await readSecret(nameOf(ref));
      if (!document) {
        // Deleted between the listing and now (a disconnect): nothing to move.
        deps.log(`skipped ${idOf(ref)}: the secret is gone`);
        return;
      }
      if (options.dryRun) counts.copied += 1;
      else {
        const lookup = tokenLookup(resolveProvider(document.provider, {}), document);
        if (await sealIfUnsealed(deps.settings, ref, document, lookup)) {
          const check = await (await vault.read(ref))?.openAll();
          if (check?.accessToken !== document.accessToken || check?.refreshToken !== document.refreshToken)
            throw new Error('the copied item does not open to the secret it came from');
          counts.copied += 1;
        } else counts.alreadyThere += 1;
      }
    }
    if (options.deleteSecrets && !options.dryRun) {
      // Only once the table's item opens: the secret is the fallback until then.
      if (await (await vault.read(ref))?.openAccess()) {
        await deleteSecret(nameOf(ref), 'recoverable');
        counts.secretsDeleted += 1;
      } else counts.secretsKept += 1;
    }
  });
}

/**
 * A stage that keeps the secrets-manager backend: its tokens stay in their secrets, but the refresher and the webhooks
 * find sources through the oauth-tokens items (external account, next refresh due). A source connected before that
 * table existed has none; this pass writes the lookup-only item of each, only where no item exists yet (never over
 * what a refresh, reconnect or disconnect wrote since).
 */
async function backfillLookups(
  options: MigrateOptions,
  deps: MigrateDeps,
  counts: MigrateCounts,
): Promise<MigrateCounts> {
  if (options.deleteSecrets)
    throw new Error('--delete-secrets: the secrets-manager backend keeps its secrets');
  return eachSecret(options, deps, counts, async (ref) => {
    const document = await readSecret(nameOf(ref));
    if (!document) {
      deps.log(`skipped ${idOf(ref)}: the secret is gone`);
      return;
    }
    if (options.dryRun) {
      counts.copied += 1;
      return;
    }
    const lookup = tokenLookup(resolveProvider(document.provider, {}), document);
    try {
      await writeTokenItem(
        deps.settings.table,
        ref,
        { ...lookupFields(lookup), updatedAt: new Date().toISOString() },
        'new',
      );
      counts.copied += 1;
    } catch (error) {
      if (!(error instanceof VersionConflict)) throw error;
      counts.alreadyThere += 1;
    }
  });
}
