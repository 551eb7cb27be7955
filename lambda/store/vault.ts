// The token vault: one Secrets Manager secret per source at sources/{accountId}/{sourceId}/oauth-tokens.
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  RestoreSecretCommand,
} from '@aws-sdk/client-secrets-manager';
import type { TokenDocument } from '../oauth/token-document';
import { secrets } from './clients';

/** Secret name of a source's tokens (the audit's path). */
export function tokenSecretName(accountId: string, sourceId: string): string {
  return `sources/${accountId}/${sourceId}/oauth-tokens`;
}

/** Creates the secret of a new source. */
export async function createTokens(name: string, document: TokenDocument): Promise<void> {
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

/** Writes a new version of an existing source's secret (reconnect, refresh). */
export async function putTokens(name: string, document: TokenDocument): Promise<void> {
  await secrets.send(new PutSecretValueCommand({ SecretId: name, SecretString: JSON.stringify(document) }));
}

/**
 * Writes a reconnect's tokens whatever happened to the source's secret: a new version when it exists,
 * restored first when a disconnect scheduled it for deletion, created when a redact removed it.
 */
export async function replaceTokens(name: string, document: TokenDocument): Promise<void> {
  try {
    await putTokens(name, document);
  } catch (error) {
    const n = (error as { name?: string }).name;
    if (n === 'ResourceNotFoundException') return createTokens(name, document);
    if (n !== 'InvalidRequestException') throw error;
    await secrets.send(new RestoreSecretCommand({ SecretId: name }));
    await putTokens(name, document);
  }
}

/** Reads the current token document, or undefined when the secret does not exist. */
export async function readTokens(name: string): Promise<TokenDocument | undefined> {
  try {
    const out = await secrets.send(new GetSecretValueCommand({ SecretId: name }));
    return out.SecretString ? (JSON.parse(out.SecretString) as TokenDocument) : undefined;
  } catch (error) {
    const n = (error as { name?: string }).name;
    if (n === 'ResourceNotFoundException' || n === 'InvalidRequestException') return undefined;
    throw error;
  }
}

/** Schedules deletion (7-day recovery window, the shortest Secrets Manager allows). Missing secrets are fine. */
export async function scheduleDeletion(name: string): Promise<void> {
  try {
    await secrets.send(new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: 7 }));
  } catch (error) {
    const n = (error as { name?: string }).name;
    if (n === 'ResourceNotFoundException' || n === 'InvalidRequestException') return;
    throw error;
  }
}
