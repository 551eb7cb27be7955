// The one structured logger of a handler (Powertools): JSON lines with ids, never a token or code.
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { randomToken } from '../oauth/random';

export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'listbackup-integrations',
});

/** Ids of the invocation being handled, also stamped on each metric line (lambda/metrics/emit.ts). */
export const invocation: { requestId?: string; flowId?: string } = {};

/**
 * Starts an invocation's logging: its request id on every line, no keys left from the previous one.
 * @example export async function handler(event, context) { beginInvocation(context); ... }
 */
export function beginInvocation(context?: Partial<Pick<Context, 'awsRequestId'>>): void {
  logger.resetKeys();
  invocation.flowId = undefined;
  invocation.requestId = context?.awsRequestId;
  if (context?.awsRequestId) logger.addContext(context as Context);
}

/** A new flow id: random, unrelated to the state, so logs of one connect flow can be joined safely. */
export function newFlowId(): string {
  return `flow_${randomToken(12)}`;
}

/** Puts the connect flow's id on every following line of this invocation (start, callback, complete). */
export function joinFlow(flowId: string | undefined): void {
  if (!flowId) return;
  invocation.flowId = flowId;
  logger.appendKeys({ flowId });
}
