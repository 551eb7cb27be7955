// Metrics of the token-access, webhooks and refresher handlers, read back from the real Powertools output.
import { generateKeyPairSync } from 'node:crypto';
import { captureOutput } from '../support/capture';
import { emfPoints, pointsOf } from '../support/emf';

process.env.POWERTOOLS_METRICS_DISABLED = 'false';
const { publicKey } = generateKeyPairSync('ed25519');
process.env.WEBHOOK_PUBLIC_KEYS = JSON.stringify({
  gohighlevel: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
});

async function captured<T>(run: () => Promise<T>): Promise<{ result: T; text: string }> {
  const capture = captureOutput();
  try {
    const result = await run();
    return { result, text: capture.text() };
  } finally {
    capture.restore();
  }
}

const context = (awsRequestId: string) => ({ awsRequestId, getRemainingTimeInMillis: () => 300_000 });

afterAll(async () => {
  const clients = await import('../../lambda/store/clients');
  for (const client of [clients.dynamo, clients.secrets, clients.events]) client.destroy();
});

it('token-access counts a malformed request as invalid_request, not a fault', async () => {
  const { handler } = await import('../../lambda/handlers/token-access');
  const { result, text } = await captured(() => handler({ accountId: 'a' }, context('req-t') as never));
  expect(result).toMatchObject({ error: 'invalid_request' });
  expect(pointsOf(text, 'TokenAccess').map((p) => p.dimensionSets[0].outcome)).toEqual(['invalid_request']);
  expect(pointsOf(text, 'TokenAccessFault').map((p) => p.value)).toEqual([0]);
  expect(emfPoints(text).every((p) => p.metadata.requestId === 'req-t')).toBe(true);
});

it('webhooks counts a delivery with a bad signature per provider and service-wide', async () => {
  const { handler } = await import('../../lambda/handlers/webhooks');
  const body = JSON.stringify({ type: 'UNINSTALL', appId: 'app', locationId: 'loc' });
  const { result, text } = await captured(() =>
    handler(
      {
        version: '2.0',
        rawPath: '/integrations/webhooks/gohighlevel',
        pathParameters: { provider: 'gohighlevel' },
        headers: {
          'content-type': 'application/json',
          'x-wh-signature': Buffer.alloc(64).toString('base64'),
        },
        body,
        isBase64Encoded: false,
      } as never,
      context('req-w') as never,
    ),
  );
  expect(result.statusCode).toBe(401);
  const [point] = pointsOf(text, 'WebhookDelivery');
  expect(point.dimensionSets.map((d) => [d.provider, d.outcome])).toEqual([
    ['gohighlevel', 'bad_signature'],
    [undefined, 'bad_signature'],
  ]);
  expect(text).not.toContain(body);
});

it('the refresher reports its run even when nothing is due', async () => {
  const { handler } = await import('../../lambda/handlers/connection-refresher');
  const { result, text } = await captured(() => handler({}, context('req-r')));
  expect(result.stoppedEarly).toBe(false);
  expect(pointsOf(text, 'RefresherRun').map((p) => [p.value, p.metadata.requestId])).toEqual([[1, 'req-r']]);
  expect(pointsOf(text, 'RefresherStoppedEarly').map((p) => p.value)).toEqual([0]);
});
