// DELETE /integrations/connections/{sourceId}: member of the source's account -> revoke -> delete secret -> disconnected.
import { isMember } from '../store/memberships';
import { originMatcher, withCors } from '../shared/cors';
import { ServiceError } from '../shared/errors';
import { callerOf, json, queryOf, type HttpEvent, type HttpResult } from '../shared/http';
import { httpHandler } from '../shared/http-handler';
import { logger } from '../shared/logger';
import { tokenConfig } from '../tokens/config';
import { disconnectSource } from '../tokens/disconnect';

const config = tokenConfig();
/** Origins whose pages may read our answers (the app's; a browser withholds the answer from any other page). */
const fromApp = originMatcher(config.allowedOrigins);

const ID = /^[A-Za-z0-9_.:@-]{1,128}$/;

async function disconnect(event: HttpEvent): Promise<HttpResult> {
  const caller = callerOf(event);
  const sourceId = event?.pathParameters?.sourceId;
  if (typeof sourceId !== 'string' || !ID.test(sourceId))
    throw new ServiceError('invalid_request', 'the path must name a source id');
  logger.appendKeys({ sourceId, userId: caller.userId });
  const { params, repeated } = queryOf(event);
  if (repeated) throw new ServiceError('invalid_request', 'each query parameter may appear once');
  const accountId = params.accountId ?? caller.accountId;
  if (!ID.test(accountId)) throw new ServiceError('invalid_request', 'accountId must be an id');
  logger.appendKeys({ accountId });
  if (
    accountId !== caller.accountId &&
    !(await isMember(config.tables.userAccounts, caller.userId, accountId))
  ) {
    throw new ServiceError('forbidden', 'you are not a member of that account');
  }
  const result = await disconnectSource(config, { accountId, sourceId }, caller.userId);
  return json(200, { status: result.status, revocation: result.revocation });
}

export const handler = httpHandler(
  { name: 'disconnect', finish: (event, result) => withCors(fromApp, event, result) },
  disconnect,
);
