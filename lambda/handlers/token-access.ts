// Direct (IAM) invoke by the jobs service: { accountId, sourceId } -> a valid access token or { error, message }.
import * as v from 'valibot';
import { ServiceError, type ErrorCode } from '../shared/errors';
import { logger } from '../shared/logger';
import { tokenConfig } from '../tokens/config';
import { createTokenAccess, type AccessToken } from '../tokens/token-access';

const access = createTokenAccess(tokenConfig());

const id = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_.:@-]{1,128}$/, 'must be an id'));
const TokenRequest = v.strictObject({ accountId: id, sourceId: id });

export type TokenAccessResult = AccessToken | { error: ErrorCode; message: string };

export async function handler(event: unknown): Promise<TokenAccessResult> {
  const parsed = v.safeParse(TokenRequest, event);
  if (!parsed.success) {
    const key = v.getDotPath(parsed.issues[0]);
    return {
      error: 'invalid_request',
      message: `expected { accountId, sourceId }${key ? `: ${key} ${parsed.issues[0].message}` : ''}`,
    };
  }
  const ref = parsed.output;
  try {
    const token = await access.getAccessToken(ref);
    logger.info('token handed out', { ...ref, provider: token.provider, expiresAt: token.expiresAt });
    return token;
  } catch (error) {
    if (error instanceof ServiceError) {
      logger.warn('token access refused', { ...ref, error: error.code });
      return { error: error.code, message: error.message };
    }
    logger.error('token access failed', { ...ref, cause: (error as Error)?.name });
    return { error: 'internal_error', message: 'something went wrong on our side; try again' };
  }
}
