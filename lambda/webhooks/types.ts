// Types of the webhook registry: how a provider signs deliveries and what a verified delivery asks us to do.
import type { ProviderId } from '../providers/types';

/** A delivery as received: the exact body bytes and the headers with lower-case names. */
export interface WebhookRequest {
  raw: Buffer;
  headers: Readonly<Record<string, string>>;
}

/**
 * An endpoint signing secret the provider issues for our webhook endpoint, at `<secretPrefix>/<provider>/webhook_secret`:
 * the stack creates it with a placeholder and grants the webhooks function its read; an operator uploads it with the
 * credentials tool, which checks its shape and documents where to find it (docs/credentials.md).
 */
export interface SigningSecret {
  source: 'signing-secret';
  /** What the credentials tool and its guide call it, e.g. `Stripe webhook signing secret`. */
  label: string;
  /** Its documented shape; the credentials tool refuses other values. */
  pattern: RegExp;
  /** The shape in words, e.g. `starts with whsec_ followed by 16-128 characters`. */
  hint: string;
  /** Where the operator gets it (the provider's dashboard, the endpoint to add there). */
  registration: string;
}

/** Where the verification key of a provider comes from. */
export type WebhookKey =
  /** The app's OAuth client secret (Shopify), read through clientCredentials() and its cache. */
  | { source: 'client-secret' }
  /** The endpoint signing secret the provider issued for our webhook endpoint (Stripe). */
  | SigningSecret
  /** A public key (PEM) from the settings: WEBHOOK_PUBLIC_KEYS[provider] (HighLevel: its published key by default). */
  | { source: 'public-key' };

/** Event types a `notify` action publishes (keys of DETAIL_TYPES). */
export type NotifyDetail = 'customerDataRequested' | 'customerRedactRequested';

/** What a verified delivery asks for, per connection found under one of `externalKeys`. */
export type WebhookAction =
  /** Uninstall / deauthorization: tokens deleted, connection and source disconnected, activity, event. */
  | { kind: 'disconnect'; externalKeys: string[]; occurredAt: number; reason: string }
  /**
   * Shopify shop/redact: tokens deleted now, connection record deleted, source stripped of shop identifiers;
   * a connection not disconnected yet is disconnected first. Never skipped for the connection's state.
   */
  | { kind: 'redact'; externalKeys: string[]; occurredAt: number; shop: string }
  /** Shopify customer requests: activity and an event for the services that hold backed-up data. */
  | {
      kind: 'notify';
      externalKeys: string[];
      detailType: NotifyDetail;
      message: string;
      detail: Record<string, unknown>;
    }
  /** Verified, but nothing for this service to do (other event types, another app's delivery). */
  | { kind: 'ignore'; reason: string };

/** A verified delivery: its id (for idempotency), its topic or event type, and the action. */
export interface Delivery {
  id: string;
  topic: string;
  action: WebhookAction;
}

/** Facts the interpretation may need beyond the request. */
export interface InterpretContext {
  now: number;
  /** The app id deliveries must name, where the provider signs every app's deliveries with one key (HighLevel). */
  appId?: string;
  /** The stage's Stripe mode: deliveries of the other mode are ignored (a live Connect endpoint gets both). */
  stripeMode?: 'live' | 'test';
}

/** One provider's webhook scheme: pure verification and mapping, no I/O. */
export interface WebhookScheme {
  provider: ProviderId;
  /** Provider documentation each rule below was checked against. */
  docs: readonly string[];
  key: WebhookKey;
  /**
   * The app id a delivery must name, derived from our client id (HighLevel: the part before the first '-'),
   * because the provider's signing key is shared by every app.
   */
  appIdFromClientId?: (clientId: string) => string | undefined;
  /**
   * True when the delivery carries a signature of the scheme's shape (says nothing of its validity). Checked
   * before the key is read, so an unsigned delivery is refused (401) whether or not a key is configured.
   */
  signed(request: WebhookRequest): boolean;
  /** True only for an authentic, fresh delivery; never throws. Runs before anything is parsed. */
  verify(request: WebhookRequest, key: string, now: number): boolean;
  /** Maps a verified delivery to an action; never throws (malformed content becomes `ignore`). */
  interpret(request: WebhookRequest, context: InterpretContext): Delivery;
}
