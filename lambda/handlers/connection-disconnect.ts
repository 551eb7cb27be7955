// DELETE /integrations/connections/{sourceId}: member of the source's account -> revoke -> delete secret -> disconnected.
import { isMember } from '../store/memberships';
import { physicalTableName } from '../store/tables';
import { originMatcher, withCors } from '../shared/cors';
import { readEnv } from '../shared/env';
import { ServiceError } from '../shared/errors';
import { callerOf, errorResponse, json, queryOf, type HttpEvent, type HttpResult } from '../shared/http';
import { beginInvocation, logger } from '../shared/logger';
import type { Context } from 'aws-lambda';
import { tokenConfig } from '../tokens/config';
import { disconnectSource } from '../tokens/disconnect';

const env = readEnv();
/** Origins whose pages may read our answers (the app's; a browser withholds the answer from any other page). */
const fromApp = originMatcher(env.allowedOrigins);
const config = tokenConfig(env);
const userAccountsTable = physicalTableName(env.tablePrefix, 'user-accounts');

const ID = /^[A-Za-z0-9_.:@-]{1,128}$/;

async function disconnect(event: HttpEvent): Promise<HttpResult> {
  const caller = callerOf(event);
  const sourceId = event?.pathParameters?.sourceId;
  if (typeof sourceId !== 'string' || !ID.test(sourceId))
    throw new ServiceError('invalid_request', 'the path must name a source id');
  const { params, repeated } = queryOf(event);
  if (repeated) throw new ServiceError('invalid_request', 'each query parameter may appear once');
  const accountId = params.accountId ?? caller.accountId;
  if (!ID.test(accountId)) throw new ServiceError('invalid_request', 'accountId must be an id');
  if (accountId !== caller.accountId && !(await isMember(userAccountsTable, caller.userId, accountId))) {
    throw new ServiceError('forbidden', 'you are not a member of that account');
  }
  const result = await disconnectSource(config, { accountId, sourceId }, caller.userId);
  return json(200, { status: result.status, revocation: result.revocation });
}

export async function handler(event: HttpEvent, context?: Context): Promise<HttpResult> {
  beginInvocation(context);
  try {
    return withCors(fromApp, event, await disconnect(event));
  } catch (error) {
    if (error instanceof ServiceError)
      logger.warn('disconnect refused', { error: error.code, sourceId: event?.pathParameters?.sourceId });
    else logger.error('disconnect failed', { cause: (error as Error)?.name });
    return withCors(fromApp, event, errorResponse(error));
  }
}
