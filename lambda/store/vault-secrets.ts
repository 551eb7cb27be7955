// The secrets-manager vault: a secret per source at sources/{accountId}/{sourceId}/oauth-tokens; version and lookups on the oauth-tokens item.
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  RestoreSecretCommand,
} from '@aws-sdk/client-secrets-manager';
import type { TokenDocument } from '../oauth/token-document';
import { secrets } from './clients';
import { deleteTokenItem, getTokenItem, lookupFields, writeTokenItem } from './token-items';
import {
  VersionConflict,
  infoOf,
  type TokenRef,
  type TokenVault,
  type VaultEntry,
  type VaultSettings,
} from './vault-entry';

/** Secret name of a source's tokens (the audit's path). */
export function tokenSecretName(accountId: string, sourceId: string): string {
  return `sources/${accountId}/${sourceId}/oauth-tokens`;
}

/** sources/{accountId}/{sourceId}/oauth-tokens: the source a token secret belongs to (migration, preflight). */
export const TOKEN_SECRET_NAME = /^sources\/([^/]+)\/([^/]+)\/oauth-tokens$/;

const nameOf = (ref: TokenRef) => tokenSecretName(ref.accountId, ref.sourceId);
const gone = (error: unknown) => {
  const n = (error as { name?: string }).name;
  return n === 'ResourceNotFoundException' || n === 'InvalidRequestException';
};

async function createSecret(name: string, document: TokenDocument): Promise<void> {
  await secrets.send(
    new CreateSecretCommand({
      Name: name,
      SecretString: JSON.stringify(document),
      Description: `OAuth tokens of a ${document.provider} source (listbackup-integrations)`,
      Tags: [
        { Key: 'service', Value: 'listbackup-integrations' },
        { Key: 'provider', Value: document.provider },
      ],
    }),
  );
}

async function putSecret(name: string, document: TokenDocument): Promise<void> {
  await secrets.send(new PutSecretValueCommand({ SecretId: name, SecretString: JSON.stringify(document) }));
}

/**
 * A new version whatever happened to the secret: restored first when a disconnect scheduled it for deletion,
 * created when a redact removed it.
 */
async function writeSecret(name: string, document: TokenDocument): Promise<void> {
  try {
    await putSecret(name, document);
  } catch (error) {
    const n = (error as { name?: string }).name;
    if (n === 'ResourceNotFoundException') return createSecret(name, document);
    if (n !== 'InvalidRequestException') throw error;
    await secrets.send(new RestoreSecretCommand({ SecretId: name }));
    await putSecret(name, document);
  }
}

/** The current document of a secret, or undefined when it does not exist or is scheduled for deletion. */
export async function readSecret(name: string): Promise<TokenDocument | undefined> {
  try {
    const out = await secrets.send(new GetSecretValueCommand({ SecretId: name }));
    return out.SecretString ? (JSON.parse(out.SecretString) as TokenDocument) : undefined;
  } catch (error) {
    if (gone(error)) return undefined;
    throw error;
  }
}

/** Deletion with the shortest recovery window (7 days), or none (`now`). Missing secrets are fine. */
export async function deleteSecret(name: string, how: 'recoverable' | 'now'): Promise<void> {
  try {
    await secrets.send(
      new DeleteSecretCommand(
        how === 'now'
          ? { SecretId: name, ForceDeleteWithoutRecovery: true }
          : { SecretId: name, RecoveryWindowInDays: 7 },
      ),
    );
  } catch (error) {
    if (!gone(error)) throw error;
  }
}

function entryOf(document: TokenDocument, version: number): VaultEntry {
  const { refreshToken: _r, ...access } = document;
  void _r;
  return {
    version,
    info: infoOf(document),
    openAccess: async () => access,
    openRefresh: async () => ({ ...document, accessToken: '' }),
    release: () => undefined,
    openAll: async () => document,
  };
}

/**
 * `lookups: false` is the secret half alone: the dynamodb-kms vault's read fallback during a migration.
 */
export function secretsManagerVault(
  settings: VaultSettings,
  options: { lookups?: boolean } = {},
): TokenVault {
  const lookups = options.lookups !== false;
  const stamp = () => ({ updatedAt: new Date().toISOString() });
  return {
    async read(ref) {
      const [document, item] = await Promise.all([
        readSecret(nameOf(ref)),
        lookups ? getTokenItem<{ version?: number }>(settings.table, ref) : undefined,
      ]);
      return document ? entryOf(document, item?.version ?? 0) : undefined;
    },
    async create(ref, document, lookup) {
      await createSecret(nameOf(ref), document).catch((error) => {
        if ((error as { name?: string }).name === 'ResourceExistsException') throw new VersionConflict();
        throw error;
      });
      if (lookups) await writeTokenItem(settings.table, ref, { ...lookupFields(lookup), ...stamp() }, 'new');
    },
    async replace(ref, document, lookup, basis) {
      if (!lookups) return writeSecret(nameOf(ref), document);
      // The version is claimed on the item first: a lost race writes nothing.
      const condition = basis ? (basis.version === 0 ? 'new' : basis.version) : 'any';
      await writeTokenItem(settings.table, ref, { ...lookupFields(lookup), ...stamp() }, condition);
      await writeSecret(nameOf(ref), document);
    },
    async remove(ref, how) {
      await deleteSecret(nameOf(ref), how);
      if (!lookups) return;
      if (how === 'now') await deleteTokenItem(settings.table, ref);
      else
        await writeTokenItem(
          settings.table,
          ref,
          { refreshPartition: undefined, refreshDueAt: undefined, ...stamp() },
          'exists',
        ).catch((error) => {
          if (!(error instanceof VersionConflict)) throw error;
        });
    },
  };
}
