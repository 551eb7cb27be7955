// Scheduled (EventBridge rule): refreshes due connections through the lease, stopping before the timeout.
import type { Context } from 'aws-lambda';
import { tokenConfig } from '../tokens/config';
import { runRefresher, type RefresherSummary } from '../tokens/refresher';

const config = tokenConfig();

export async function handler(
  _event: unknown,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<RefresherSummary> {
  return runRefresher(config, () => context.getRemainingTimeInMillis());
}
