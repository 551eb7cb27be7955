// Events on the shared bus: source listbackup.integrations; details carry ids, never a token.
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { events } from './clients';

export const EVENT_SOURCE = 'listbackup.integrations';

export const DETAIL_TYPES = {
  sourceConnected: 'Source Connected',
  sourceReconnected: 'Source Reconnected',
  connectionNeedsReauth: 'Connection Needs Reauth',
  connectionRestored: 'Connection Restored',
  connectionDisconnected: 'Connection Disconnected',
  connectionRefused: 'Connection Refused',
  shopRedactRequested: 'Shop Redact Requested',
  customerDataRequested: 'Customer Data Requested',
  customerRedactRequested: 'Customer Redact Requested',
} as const;

export type DetailType = (typeof DETAIL_TYPES)[keyof typeof DETAIL_TYPES];

/** Publishes one event; throws when EventBridge reports the entry as failed. */
export async function publish(
  busName: string,
  detailType: DetailType,
  detail: Record<string, unknown>,
): Promise<void> {
  const out = await events.send(
    new PutEventsCommand({
      Entries: [
        {
          EventBusName: busName,
          Source: EVENT_SOURCE,
          DetailType: detailType,
          Detail: JSON.stringify(detail),
        },
      ],
    }),
  );
  if ((out.FailedEntryCount ?? 0) > 0) {
    const code = out.Entries?.[0]?.ErrorCode ?? 'unknown';
    throw new Error(`EventBridge rejected the event (${code})`);
  }
}
