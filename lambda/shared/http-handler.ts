// The one shape of an HTTP handler: start the invocation's logging, run the flow, log and answer a failure.
import type { Context } from 'aws-lambda';
import { ServiceError, failureFields, type ErrorCode } from './errors';
import { errorResponse, type HttpEvent, type HttpResult } from './http';
import { beginInvocation, logger } from './logger';

/** What a flow learned before it failed, for its error answer (the callback's return path, say). */
export type Known = Record<string, string | undefined>;

export interface HttpFlow<K extends Known = Known> {
  /** Names the flow in its failure line: `<name> refused` (an expected ServiceError), `<name> failed` (anything else). */
  name: string;
  /** Applied to every answer, success or failure (the CORS headers of the browser routes). */
  finish?: (event: HttpEvent, result: HttpResult) => HttpResult;
  /** Told of every failure with its code, after the log line (the flow's outcome metric). */
  failed?: (event: HttpEvent, code: ErrorCode, error: unknown) => void;
  /** The answer to a failure; by default JSON `{ error, message }` (a 500 without internals when unexpected). */
  answer?: (event: HttpEvent, error: unknown, code: ErrorCode, known: Partial<K>) => HttpResult;
}

/**
 * Wraps a flow as a Lambda handler. The flow puts its ids on the log with `logger.appendKeys` as it learns
 * them (provider, account, user), so the failure line carries those known when it failed.
 * @example export const handler = httpHandler({ name: 'disconnect' }, disconnect);
 */
export function httpHandler<K extends Known = Known>(
  flow: HttpFlow<K>,
  run: (event: HttpEvent, known: Partial<K>) => Promise<HttpResult>,
): (event: HttpEvent, context?: Context) => Promise<HttpResult> {
  const finish = flow.finish ?? ((_event: HttpEvent, result: HttpResult) => result);
  const answer = flow.answer ?? ((_event: HttpEvent, error: unknown) => errorResponse(error));
  return async (event, context) => {
    beginInvocation(context);
    const known: Partial<K> = {};
    try {
      return finish(event, await run(event, known));
    } catch (error) {
      const fields = failureFields(error);
      if (error instanceof ServiceError) logger.warn(`${flow.name} refused`, fields);
      else logger.error(`${flow.name} failed`, fields);
      flow.failed?.(event, fields.error, error);
      return finish(event, answer(event, error, fields.error, known));
    }
  };
}
