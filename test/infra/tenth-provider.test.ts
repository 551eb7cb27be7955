// A tenth provider is one entry: with a fake entry (and a fake webhook scheme) added to the registry's lists, the
// ids, the stack's secrets and grants, the credentials guide and targets, and the connect page all follow.
import * as v from 'valibot';
import { defineProvider } from '../../lambda/providers/define';
import { ProviderSchema } from '../../lambda/providers/schema';
import type { WebhookScheme } from '../../lambda/webhooks/types';

/** A made-up provider, stated the way a real entry is (defaults left to defineProvider). */
const acme = defineProvider({
  id: 'acme',
  displayName: 'Acme Backup',
  docs: ['https://developer.acme.example/oauth'],
  authorizationEndpoint: 'https://auth.acme.example/authorize',
  tokenEndpoint: 'https://auth.acme.example/token',
  scopes: ['backup.read'],
  clientAuth: 'client_secret_basic',
  pkce: true,
  identity: [{ from: 'token', field: 'tenant_id', as: 'tenantId' }],
  tokens: { rotatesRefreshToken: true, expiresInWhenMissing: 3600 },
  rateLimit: {
    scope: 'per tenant',
    windows: [],
    retryAfter: true,
    docs: ['https://developer.acme.example/limits'],
  },
  clientIdPattern: /^acme_[a-z0-9]{16}$/,
  clientIdHint: 'starts with acme_',
  consoleUrl: 'https://developer.acme.example/apps',
  registration: 'Create an app under Apps > New; its Keys tab shows the client id and secret.',
});

/** A made-up webhook scheme that verifies with an endpoint signing secret, as Stripe's does. */
const acmeWebhooks = {
  provider: 'acme',
  docs: ['https://developer.acme.example/webhooks'],
  key: {
    source: 'signing-secret',
    label: 'Acme webhook signing secret',
    pattern: /^acmewh_[a-z0-9]{32}$/,
    hint: 'starts with acmewh_ followed by 32 letters and digits',
    registration: 'Apps > Webhooks: add the endpoint; it shows the signing secret once.',
  },
  signed: () => false,
  verify: () => false,
  interpret: () => ({ id: 'x', topic: 'x', action: { kind: 'ignore', reason: 'fake' } }),
} as unknown as WebhookScheme;

type Modules = {
  registry: typeof import('../../lambda/providers/registry');
  secrets: typeof import('../../lib/client-secrets');
  synth: typeof import('./synth');
  assertions: typeof import('aws-cdk-lib/assertions');
  guide: typeof import('../../scripts/credentials/guide');
  targets: typeof import('../../scripts/credentials/targets');
  page: typeof import('../../scripts/local/connect-page-html');
};

/** The modules as loaded with the fake entry and scheme appended to the two lists, and nothing else changed. */
async function withAcme(): Promise<Modules> {
  let loaded: Modules | undefined;
  await jest.isolateModulesAsync(async () => {
    jest.doMock('../../lambda/providers/entries', () => {
      const actual = jest.requireActual('../../lambda/providers/entries');
      return { ...actual, ENTRIES: [...actual.ENTRIES, acme] };
    });
    jest.doMock('../../lambda/webhooks/registry', () => {
      const actual = jest.requireActual('../../lambda/webhooks/registry');
      return { ...actual, WEBHOOKS: { ...actual.WEBHOOKS, acme: acmeWebhooks } };
    });
    loaded = {
      registry: await import('../../lambda/providers/registry'),
      secrets: await import('../../lib/client-secrets'),
      synth: await import('./synth'),
      assertions: await import('aws-cdk-lib/assertions'),
      guide: await import('../../scripts/credentials/guide'),
      targets: await import('../../scripts/credentials/targets'),
      page: await import('../../scripts/local/connect-page-html'),
    };
  });
  if (!loaded) throw new Error('modules not loaded');
  return loaded;
}

describe('a tenth provider', () => {
  let m: Modules;
  beforeAll(async () => {
    m = await withAcme();
  });

  it('is a valid entry by the one schema', () => {
    const result = v.safeParse(ProviderSchema, acme);
    expect(result.success ? [] : result.issues.map((i) => `${v.getDotPath(i)}: ${i.message}`)).toEqual([]);
  });

  it('joins the ids, the lookup and the path-parameter check', () => {
    expect(m.registry.PROVIDER_IDS.at(-1)).toBe('acme');
    expect(m.registry.PROVIDER_IDS).toHaveLength(10);
    expect(m.registry.isProviderId('acme')).toBe(true);
    expect((m.registry.PROVIDERS as Record<string, unknown>).acme).toBe(acme);
  });

  it('gets its client pair and its webhook signing secret in the stack, and the grants to read them', () => {
    expect(m.secrets.CLIENT_SECRET_KEYS).toEqual(
      expect.arrayContaining(['acme/client_id', 'acme/client_secret', 'acme/webhook_secret']),
    );
    const { stack } = m.synth.buildStage('fixed');
    const template = m.assertions.Template.fromStack(stack);
    const names = Object.values(m.synth.resources(template))
      .filter((r) => r.Type === 'AWS::SecretsManager::Secret')
      .map((r) => r.Properties?.Name);
    expect(names).toEqual(
      expect.arrayContaining([
        'app/oauth/acme/client_id',
        'app/oauth/acme/client_secret',
        'app/oauth/acme/webhook_secret',
      ]),
    );
    const read = (name: string) => `secretsmanager:GetSecretValue secret:app/oauth/${name}`;
    for (const handler of ['oauth-start', 'oauth-callback', 'oauth-complete', 'connection-disconnect'])
      expect(m.synth.permissions(template, handler)).toEqual(
        expect.arrayContaining([read('acme/client_id'), read('acme/client_secret')]),
      );
    const webhooks = m.synth.permissions(template, 'webhooks');
    expect(webhooks).toContain(read('acme/webhook_secret'));
    // The scheme verifies with its signing secret only: the client pair is not the webhooks function's to read.
    expect(webhooks).not.toContain(read('acme/client_secret'));
  });

  it('gets its sections in the credentials guide and its targets in the credentials tool', () => {
    const guide = m.guide.renderGuide();
    expect(guide).toContain('### Acme Backup (`acme`)');
    expect(guide).toContain(`- ${acme.registration}`);
    expect(guide).toContain('/integrations/oauth/callback/acme');
    expect(guide).toContain('### Acme webhook signing secret (`acme-webhook`)');
    expect(guide).toContain('/integrations/webhooks/acme');
    const targets = m.targets.allTargets('app/oauth');
    const secretNames = (id: string) =>
      targets.find((t) => (t.id as string) === id)?.fields.map((f) => f.secretName);
    expect(secretNames('acme')).toEqual(['app/oauth/acme/client_id', 'app/oauth/acme/client_secret']);
    expect(secretNames('acme-webhook')).toEqual(['app/oauth/acme/webhook_secret']);
    // What the tool uploads is exactly what the stack creates, the tenth provider included.
    expect(targets.flatMap((t) => t.fields.map((f) => f.secretName)).sort()).toEqual(
      m.secrets.CLIENT_SECRET_KEYS.map((k) => `app/oauth/${k}`).sort(),
    );
  });

  it('is listed on the local connect page', () => {
    expect(m.page.pageProviders().at(-1)).toEqual({ id: 'acme', name: 'Acme Backup', requiresShop: false });
    const html = m.page.renderConnectPage('<meta name="listbackup-providers" content="__PROVIDERS__">', 'x');
    expect(html).toContain('&quot;id&quot;:&quot;acme&quot;');
  });
});
