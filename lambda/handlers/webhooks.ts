// POST /integrations/webhooks/{provider}: verify the signature over the raw bytes -> claim the delivery -> apply -> 200.
import { randomToken } from '../oauth/random';
import { PROVIDER_IDS, isProviderId } from '../providers/registry';
import { clientCredentials } from '../store/client-credentials';
import { claimDelivery, completeDelivery, deliveryKey, releaseDelivery } from '../store/deliveries';
import { secretUnderPrefix } from '../store/webhook-secrets';
import { ServiceError, isServiceError } from '../shared/errors';
import { json, type HttpEvent, type HttpResult } from '../shared/http';
import { httpHandler } from '../shared/http-handler';
import { logger } from '../shared/logger';
import { tokenConfig } from '../tokens/config';
import { claimId } from '../webhooks/common';
import { countWebhook } from '../metrics/emit';
import { applyDelivery } from '../webhooks/effects';
import { webhookScheme } from '../webhooks/registry';
import { credentialKeys, signingSecretKey } from '../providers/secret-keys';
import type { WebhookRequest, WebhookScheme } from '../webhooks/types';

const config = tokenConfig();
const statesTable = config.tables.states;

/** Larger bodies are refused unread: every delivery this endpoint handles is a few KB. */
const MAX_BODY_BYTES = 256 * 1024;

const UNAUTHORIZED: HttpResult = json(401, { error: 'unauthorized' });

/** The exact bytes the provider sent (HTTP API hands binary or non-text bodies over base64-encoded). */
function rawBody(event: HttpEvent): Buffer | undefined {
  const body = event.body;
  if (typeof body !== 'string') return Buffer.alloc(0);
  if (body.length > (event.isBase64Encoded ? Math.ceil((MAX_BODY_BYTES * 4) / 3) + 4 : MAX_BODY_BYTES))
    return undefined;
  const raw = event.isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
  return raw.length <= MAX_BODY_BYTES ? raw : undefined;
}

function headersOf(event: HttpEvent): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (typeof value === 'string') headers[name.toLowerCase()] = value;
  }
  return headers;
}

/**
 * The key that verifies this provider's deliveries (cached reads). A missing one is a 503 for a signed
 * delivery, so the provider retries once an operator sets it.
 */
async function verificationKey(scheme: WebhookScheme): Promise<string> {
  const key = scheme.key;
  if (key.source === 'client-secret') {
    return (await clientCredentials(config.secretPrefix, scheme.provider, config.credentialsMaxAgeSeconds))
      .clientSecret;
  }
  if (key.source === 'signing-secret')
    return secretUnderPrefix(
      config.secretPrefix,
      signingSecretKey(scheme.provider),
      config.credentialsMaxAgeSeconds,
    );
  const pem = config.webhookPublicKeys[scheme.provider];
  if (typeof pem !== 'string' || !pem.includes('PUBLIC KEY')) {
    throw new ServiceError(
      'credentials_not_configured',
      `${scheme.provider} webhooks are not configured yet: set its public key in the stage settings (highLevelWebhookPublicKey)`,
    );
  }
  return pem;
}

async function receive(event: HttpEvent): Promise<HttpResult> {
  const providerId = event?.pathParameters?.provider;
  if (!isProviderId(providerId))
    throw new ServiceError('unknown_provider', `unknown provider; supported: ${PROVIDER_IDS.join(', ')}`);
  const scheme = webhookScheme(providerId);
  if (!scheme) throw new ServiceError('not_found', `${providerId} sends no webhooks to this service`);
  logger.appendKeys({ provider: providerId });

  // Authenticity first: nothing is parsed or written before the signature over the exact bytes holds.
  // An unsigned delivery is refused before the key is read, so it gets 401 whether or not one is configured.
  const raw = rawBody(event);
  if (!raw) {
    countWebhook(providerId, 'refused');
    return UNAUTHORIZED;
  }
  const request: WebhookRequest = { raw, headers: headersOf(event) };
  if (!scheme.signed(request)) {
    logger.warn('webhook refused: signature missing or malformed');
    countWebhook(providerId, 'bad_signature');
    return UNAUTHORIZED;
  }
  const key = await verificationKey(scheme);
  const now = Date.now();
  if (!scheme.verify(request, key, now)) {
    logger.warn('webhook refused: signature missing, invalid or stale');
    countWebhook(providerId, 'bad_signature');
    return UNAUTHORIZED;
  }

  const appId = scheme.appIdFromClientId
    ? scheme.appIdFromClientId(
        await secretUnderPrefix(
          config.secretPrefix,
          credentialKeys(providerId).clientId,
          config.credentialsMaxAgeSeconds,
        ),
      )
    : undefined;
  const delivery = scheme.interpret(request, { now, appId, stripeMode: config.stripeMode });
  logger.appendKeys({ topic: delivery.topic, deliveryId: delivery.id });
  if (delivery.action.kind === 'ignore') {
    logger.debug('webhook ignored', { reason: delivery.action.reason });
    countWebhook(providerId, 'ignored');
    return json(200, { status: 'ignored' });
  }

  const claim = await claimDelivery(
    statesTable,
    deliveryKey(providerId, claimId(delivery)),
    { provider: providerId, topic: delivery.topic },
    randomToken(16),
    now,
  );
  if (claim.outcome === 'done') {
    logger.info('webhook repeated: already processed');
    countWebhook(providerId, 'duplicate');
    return json(200, { status: 'duplicate' });
  }
  if (claim.outcome === 'busy') {
    logger.info('webhook repeated while the first copy is processed');
    throw new ServiceError('retryable', 'this delivery is being processed; retry later');
  }
  try {
    const summary = await applyDelivery(config, claim, providerId, delivery, now);
    await completeDelivery(statesTable, claim, Date.now());
    logger.info('webhook processed', { ...summary });
    countWebhook(providerId, 'applied');
    return json(200, { status: 'processed', ...summary });
  } catch (error) {
    await releaseDelivery(statesTable, claim).catch((e) =>
      logger.error('claim not released; it expires with its lease', { cause: (e as Error)?.name }),
    );
    throw error;
  }
}

export const handler = httpHandler(
  {
    name: 'webhook',
    failed: (event, code, error) => {
      const providerId = event?.pathParameters?.provider;
      if (isProviderId(providerId))
        countWebhook(
          providerId,
          !isServiceError(error) ? 'failed' : code === 'retryable' ? 'busy' : 'refused',
        );
    },
  },
  receive,
);
