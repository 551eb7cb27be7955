// The jobs service's client of token-access: tokens, tokens after a 401, rate-limit reports, over Lambda Invoke.
import { InvokeCommand, type InvokeCommandOutput } from '@aws-sdk/client-lambda';
import {
  TOKEN_ACCESS_ERRORS,
  isFailure,
  isTokenAccessErrorCode,
  type AccessToken,
  type JobAction,
  type RateLimitHint,
  type RateLimitReport,
  type ReauthReason,
  type SourceRef,
  type TokenAccessErrorCode,
  type TokenAccessFailure,
  type TokenAccessRequest,
} from './contract';

export * from './contract';

/** A refusal of token-access: its code, what the job should do, and the wait or reason where known. */
export class TokenAccessError extends Error {
  readonly code: TokenAccessErrorCode;
  readonly action: JobAction;
  readonly retryAfterSeconds?: number;
  readonly reason?: ReauthReason;

  constructor(failure: TokenAccessFailure) {
    super(failure.message);
    this.name = 'TokenAccessError';
    this.code = failure.error;
    this.action = TOKEN_ACCESS_ERRORS[failure.error];
    this.retryAfterSeconds = failure.retryAfterSeconds;
    this.reason = failure.reason;
  }
}

/** What the client needs of a Lambda client: `send` of an InvokeCommand (a LambdaClient, or a stand-in). */
export interface Invoker {
  send(command: InvokeCommand): Promise<InvokeCommandOutput>;
}

export interface TokenAccessClientOptions {
  /** The token-access function's name or ARN (stack output / SSM parameter). */
  functionName: string;
  /** A LambdaClient, reused across calls (create it once per container). */
  lambda: Invoker;
  /** Attempts for `retryable` answers, the first included (default 3). Other codes are never retried. */
  attempts?: number;
  /** Base of the jittered backoff when the answer names no wait (default 500 ms, doubling). */
  baseDelayMs?: number;
  /** A wait longer than this is not slept through: the error goes to the job to reschedule (default 30 s). */
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/** Raw response headers as a job has them: a fetch `Headers`, or a plain object. */
export type ResponseHeaders = Headers | Record<string, string>;

/** A report in numbers, or the provider's raw headers with the answer's status for the registry to read. */
export type RateLimitInput = RateLimitReport | { headers: ResponseHeaders; status?: number };

export interface TokenAccessClient {
  /** A valid token; with `rejectedAccessToken` (the provider answered 401) a refreshed one where possible. */
  getAccessToken(ref: SourceRef, options?: { rejectedAccessToken?: string }): Promise<AccessToken>;
  /** Reports a provider's rate limit for the connection; returns the hint every token answer now carries. */
  reportRateLimit(ref: SourceRef, limits: RateLimitInput): Promise<RateLimitHint>;
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The delay before retry number `attempt` (1-based): the answer's `retryAfterSeconds` plus up to 10 %
 * jitter, else "equal jitter" over base * 2^(attempt-1), so parallel jobs spread out.
 */
export function retryDelayMs(
  attempt: number,
  retryAfterSeconds: number | undefined,
  baseDelayMs: number,
  random: () => number,
): number {
  if (retryAfterSeconds !== undefined) return Math.round(retryAfterSeconds * 1000 * (1 + 0.1 * random()));
  const ceiling = baseDelayMs * 2 ** (attempt - 1);
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

function headersObject(headers: ResponseHeaders): Record<string, string> {
  if (typeof Headers !== 'undefined' && headers instanceof Headers) {
    const out: Record<string, string> = {};
    headers.forEach((value, name) => {
      out[name] = value;
    });
    return out;
  }
  return { ...(headers as Record<string, string>) };
}

function payloadOf(limits: RateLimitInput): Record<string, unknown> {
  if ('headers' in limits) {
    return {
      rateLimitHeaders: headersObject(limits.headers),
      ...(limits.status !== undefined ? { status: limits.status } : {}),
    };
  }
  return { rateLimit: limits };
}

/**
 * A client of the token-access function.
 * @example
 * const tokens = createTokenAccessClient({ functionName: process.env.TOKEN_ACCESS_FUNCTION!, lambda: new LambdaClient({}) });
 * const { accessToken, rateLimit } = await tokens.getAccessToken({ accountId, sourceId });
 */
export function createTokenAccessClient(options: TokenAccessClientOptions): TokenAccessClient {
  const attempts = options.attempts ?? 3;
  const baseDelayMs = options.baseDelayMs ?? 500;
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  const sleep = options.sleep ?? sleepFor;
  const random = options.random ?? Math.random;

  async function invokeOnce(payload: TokenAccessRequest): Promise<unknown> {
    const out = await options.lambda.send(
      new InvokeCommand({
        FunctionName: options.functionName,
        Payload: new TextEncoder().encode(JSON.stringify(payload)),
      }),
    );
    const text = out.Payload ? new TextDecoder().decode(out.Payload) : '';
    if (out.FunctionError) {
      // The function crashed or timed out (not one of its answers): the job may retry later.
      throw new TokenAccessError({
        error: 'internal_error',
        message: `token-access failed (${out.FunctionError}); try again later`,
      });
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new TokenAccessError({ error: 'internal_error', message: 'token-access answered no JSON' });
    }
  }

  async function invoke<T>(payload: TokenAccessRequest): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      const answer = await invokeOnce(payload);
      if (!isFailure(answer)) return answer as T;
      const failure: TokenAccessFailure = isTokenAccessErrorCode(answer.error)
        ? answer
        : { error: 'internal_error', message: `unknown error code from token-access: ${answer.error}` };
      const error = new TokenAccessError(failure);
      if (error.code !== 'retryable' || attempt >= attempts) throw error;
      const delay = retryDelayMs(attempt, error.retryAfterSeconds, baseDelayMs, random);
      if (delay > maxDelayMs) throw error;
      await sleep(delay);
    }
  }

  return {
    getAccessToken(ref, { rejectedAccessToken } = {}) {
      const ids = { accountId: ref.accountId, sourceId: ref.sourceId };
      return invoke<AccessToken>(rejectedAccessToken === undefined ? ids : { ...ids, rejectedAccessToken });
    },
    async reportRateLimit(ref, limits) {
      const payload = { accountId: ref.accountId, sourceId: ref.sourceId, ...payloadOf(limits) };
      const answer = await invoke<{ rateLimit: RateLimitHint }>(payload as TokenAccessRequest);
      return answer.rateLimit;
    },
  };
}
