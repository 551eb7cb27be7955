// Scheduled (EventBridge rule): refreshes due connections through the lease, stopping before the timeout.
import type { Context } from 'aws-lambda';
import { beginInvocation } from '../shared/logger';
import { tokenConfig } from '../tokens/config';
import { runRefresher, type RefresherSummary } from '../tokens/refresher';

const config = tokenConfig();

export async function handler(
  _event: unknown,
  context: Pick<Context, 'getRemainingTimeInMillis'> & Partial<Pick<Context, 'awsRequestId'>>,
): Promise<RefresherSummary> {
  beginInvocation(context);
  return runRefresher(config, () => context.getRemainingTimeInMillis());
}
