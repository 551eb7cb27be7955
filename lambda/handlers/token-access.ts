// Direct (IAM) invoke by the jobs service: a token for a source, a refresh after a rejection, or a rate-limit report.
import * as v from 'valibot';
import {
  isTokenAccessErrorCode,
  type ReauthReason as ContractReauthReason,
  type ReportAnswer,
  type TokenAccessFailure,
  type TokenAnswer,
} from '../../clients/token-access/contract';
import type { ProviderId } from '../providers/types';
import { ServiceError, failureFields } from '../shared/errors';
import { beginInvocation, logger } from '../shared/logger';
import { countTokenAccess } from '../metrics/emit';
import type { Context } from 'aws-lambda';
import { tokenConfig } from '../tokens/config';
import type { ReauthReason } from '../tokens/health';
import { RateLimitHeadersSchema, RateLimitReportSchema, StatusSchema } from '../tokens/rate-limit';
import { Refusal } from '../tokens/refusal';
import { createTokenAccess } from '../tokens/token-access';

const access = createTokenAccess(tokenConfig());

const id = (name: string) =>
  v.pipe(v.string(`${name} must be an id`), v.regex(/^[A-Za-z0-9_.:@-]{1,128}$/, `${name} must be an id`));
const ref = { accountId: id('accountId'), sourceId: id('sourceId') };
/** Long enough for every provider's tokens (JWTs included), short enough to bound the work. */
const rejectedToken = v.pipe(
  v.string('rejectedAccessToken must be a string'),
  v.minLength(1, 'rejectedAccessToken must not be empty'),
  v.maxLength(8192, 'rejectedAccessToken is too long'),
);
const only = (keys: string) => `takes only ${keys}`;

const TokenRequest = v.strictObject(
  ref,
  only('accountId, sourceId and one of rejectedAccessToken, rateLimit, rateLimitHeaders'),
);
const RejectedRequest = v.strictObject(
  { ...ref, rejectedAccessToken: rejectedToken },
  only('accountId, sourceId, rejectedAccessToken'),
);
const ReportRequest = v.strictObject(
  { ...ref, rateLimit: RateLimitReportSchema },
  only('accountId, sourceId, rateLimit'),
);
const HeadersRequest = v.strictObject(
  { ...ref, rateLimitHeaders: RateLimitHeadersSchema, status: v.optional(StatusSchema) },
  only('accountId, sourceId, rateLimitHeaders, status'),
);

type Parsed =
  | { kind: 'token'; value: v.InferOutput<typeof TokenRequest> }
  | { kind: 'rejected'; value: v.InferOutput<typeof RejectedRequest> }
  | { kind: 'report'; value: v.InferOutput<typeof ReportRequest> }
  | { kind: 'headers'; value: v.InferOutput<typeof HeadersRequest> };

function refused(error: 'invalid_request' | 'invalid_report', issues: v.BaseIssue<unknown>[]) {
  const key = v.getDotPath(issues[0]);
  // Our own messages only: valibot's defaults would echo the received value (a token, say).
  const message = issues[0].message;
  return { error, message: key && !message.startsWith(key) ? `${key}: ${message}` : message };
}

function parse(event: unknown): Parsed | TokenAccessFailure {
  if (typeof event !== 'object' || event === null || Array.isArray(event))
    return { error: 'invalid_request', message: 'expected an object { accountId, sourceId, ... }' };
  const e = event as Record<string, unknown>;
  const schema =
    'rejectedAccessToken' in e
      ? (['rejected', RejectedRequest] as const)
      : 'rateLimit' in e
        ? (['report', ReportRequest] as const)
        : 'rateLimitHeaders' in e
          ? (['headers', HeadersRequest] as const)
          : (['token', TokenRequest] as const);
  const result = v.safeParse(schema[1] as v.GenericSchema, event);
  if (result.success) return { kind: schema[0], value: result.output } as Parsed;
  const issue = result.issues[0];
  // An unknown top-level key is the request's shape; anything inside a report is the report's.
  if (issue.type === 'strict_object' && (issue.path?.length ?? 0) <= 1)
    return { error: 'invalid_request', message: issue.message };
  const path = v.getDotPath(issue) ?? '';
  const inReport = path.startsWith('rateLimit') || path === 'status';
  return refused(inReport ? 'invalid_report' : 'invalid_request', result.issues);
}

function failure(error: unknown): TokenAccessFailure {
  if (error instanceof ServiceError && isTokenAccessErrorCode(error.code)) {
    logger.warn('token access refused', { error: error.code });
    countTokenAccess(error.code);
    const answer: TokenAccessFailure = { error: error.code, message: error.message };
    if (error instanceof Refusal && error.retryAfterSeconds !== undefined)
      answer.retryAfterSeconds = error.retryAfterSeconds;
    if (error instanceof Refusal && error.reason !== undefined) answer.reason = error.reason;
    return answer;
  }
  countTokenAccess('internal_error');
  logger.error('token access failed', failureFields(error));
  return { error: 'internal_error', message: 'something went wrong on our side; try again' };
}

export type TokenAccessResult = TokenAnswer | ReportAnswer;

export async function handler(event: unknown, context?: Context): Promise<TokenAccessResult> {
  beginInvocation(context);
  const parsed = parse(event);
  if ('error' in parsed) {
    countTokenAccess(parsed.error);
    return parsed;
  }
  // Only the ids are logged: never the rejected token, never a report's raw headers.
  const ids = { accountId: parsed.value.accountId, sourceId: parsed.value.sourceId };
  logger.appendKeys(ids);
  try {
    if (parsed.kind === 'report' || parsed.kind === 'headers') {
      const input =
        parsed.kind === 'report'
          ? { rateLimit: parsed.value.rateLimit }
          : { rateLimitHeaders: parsed.value.rateLimitHeaders, status: parsed.value.status };
      return { rateLimit: await access.reportRateLimit(ids, input) };
    }
    const token = await access.getAccessToken(
      ids,
      parsed.kind === 'rejected' ? { rejectedAccessToken: parsed.value.rejectedAccessToken } : {},
    );
    logger.info('token handed out', {
      provider: token.provider,
      expiresAt: token.expiresAt,
      afterRejection: parsed.kind === 'rejected',
      notBefore: token.rateLimit?.notBefore,
    });
    countTokenAccess('ok');
    return token;
  } catch (error) {
    return failure(error);
  }
}

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
/** The contract's reasons and provider names are the service's own: a change on one side fails the build. */
export type ContractMatches = [
  Assert<Same<ReauthReason, ContractReauthReason>>,
  Assert<Same<ProviderId, import('../../clients/token-access/contract').ProviderName>>,
];
