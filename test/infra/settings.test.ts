// Stage settings: the shipped stages validate; a missing or malformed setting fails with the stage and key named.
import { generateKeyPairSync } from 'node:crypto';
import { SettingsError, loadSettings } from '../../lib/config';
import { HIGHLEVEL_WEBHOOK_PUBLIC_KEY } from '../../lambda/webhooks/gohighlevel';
import { STAGES } from '../../lib/stages';

const dev = STAGES.dev as Record<string, unknown>;

function without(key: string): Record<string, unknown> {
  const copy = { ...dev };
  delete copy[key];
  return copy;
}

describe('loadSettings', () => {
  it.each(['dev', 'staging', 'prod'])('accepts the shipped stage %s and fills defaults', (stage) => {
    const settings = loadSettings(stage);
    expect(settings.stage).toBe(stage);
    expect(settings.region).toBe('us-west-2');
    expect(settings.secretPrefix).toBe('app/oauth');
    // Nothing reserved by default: a fresh account's concurrency quota has no room for any reservation.
    expect(settings.reservedConcurrency).toEqual({});
  });

  it('takes each reservation as a positive integer, the refresher at most 1', () => {
    expect(
      loadSettings('sized', { sized: { ...dev, reservedConcurrency: { publicRoute: 5, refresher: 1 } } })
        .reservedConcurrency,
    ).toEqual({ publicRoute: 5, refresher: 1 });
    expect(() =>
      loadSettings('broken', { broken: { ...dev, reservedConcurrency: { refresher: 2 } } }),
    ).toThrow(/^stage broken: reservedConcurrency\.refresher /);
    expect(() =>
      loadSettings('broken', { broken: { ...dev, reservedConcurrency: { publicRoute: 0 } } }),
    ).toThrow(/^stage broken: reservedConcurrency\.publicRoute /);
  });

  it('names the stage and the key of a missing setting', () => {
    expect(() => loadSettings('broken', { broken: without('apiUrl') })).toThrow(
      new SettingsError('stage broken: apiUrl is missing'),
    );
    expect(() => loadSettings('broken', { broken: without('httpApiId') })).toThrow(
      'stage broken: httpApiId is missing',
    );
  });

  it('names the stage and the key of a malformed URL', () => {
    expect(() => loadSettings('broken', { broken: { ...dev, appUrl: 'app.example.com' } })).toThrow(
      /^stage broken: appUrl must be an absolute URL$/,
    );
    expect(() => loadSettings('broken', { broken: { ...dev, apiUrl: 'https://api.example.com/' } })).toThrow(
      /^stage broken: apiUrl must be http\(s\) without a trailing slash$/,
    );
  });

  it('names nested keys and rejects unknown keys', () => {
    expect(() =>
      loadSettings('broken', {
        broken: { ...dev, endpointOverrides: { shopify: { tokenEndpoint: 'nope' } } },
      }),
    ).toThrow(/^stage broken: endpointOverrides\.shopify\.tokenEndpoint /);
    expect(() =>
      loadSettings('broken', { broken: { ...dev, tokenAccessCallerRoleArns: ['arn:aws:iam::1:user/x'] } }),
    ).toThrow(/^stage broken: tokenAccessCallerRoleArns\.0 must be IAM role ARNs$/);
    expect(() => loadSettings('broken', { broken: { ...dev, tablePrefx: 'x' } })).toThrow(
      /^stage broken: tablePrefx /,
    );
  });

  it('rejects an unknown stage, listing the known ones', () => {
    expect(() => loadSettings('qa')).toThrow(
      new SettingsError('unknown stage qa: expected one of dev, staging, prod'),
    );
    expect(() => loadSettings('constructor')).toThrow(/^unknown stage constructor/);
  });

  it('asks for a stage when none is given', () => {
    expect(() => loadSettings(undefined)).toThrow(/no stage given: pass -c stage=<name>/);
  });

  it('runs Stripe in test mode on dev and staging, live on prod, live when unset, and nothing else', () => {
    expect(['dev', 'staging', 'prod'].map((stage) => loadSettings(stage).stripeMode)).toEqual([
      'test',
      'test',
      'live',
    ]);
    expect(loadSettings('bare', { bare: without('stripeMode') }).stripeMode).toBe('live');
    expect(() => loadSettings('broken', { broken: { ...dev, stripeMode: 'sandbox' } })).toThrow(
      /^stage broken: stripeMode must be 'live' or 'test'$/,
    );
  });

  it('bounds forced refreshes (5 min) and long throttling (15 min) by default, and refuses odd minutes', () => {
    expect(loadSettings('dev')).toMatchObject({ forcedRefreshMinutes: 5, longThrottleMinutes: 15 });
    expect(loadSettings('set', { set: { ...dev, forcedRefreshMinutes: 2 } }).forcedRefreshMinutes).toBe(2);
    expect(() => loadSettings('broken', { broken: { ...dev, forcedRefreshMinutes: 0 } })).toThrow(
      /^stage broken: forcedRefreshMinutes must be at least 1$/,
    );
    expect(() => loadSettings('broken', { broken: { ...dev, forcedRefreshMinutes: 1.5 } })).toThrow(
      /^stage broken: forcedRefreshMinutes must be whole minutes$/,
    );
    expect(() => loadSettings('broken', { broken: { ...dev, longThrottleMinutes: 2000 } })).toThrow(
      /^stage broken: longThrottleMinutes must be at most 1440$/,
    );
  });

  it("carries HighLevel's published webhook key by default on every stage; a stage's own key overrides it", () => {
    for (const stage of ['dev', 'staging', 'prod'])
      expect(loadSettings(stage).highLevelWebhookPublicKey).toBe(HIGHLEVEL_WEBHOOK_PUBLIC_KEY);
    const own = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(
      loadSettings('own', { own: { ...dev, highLevelWebhookPublicKey: own } }).highLevelWebhookPublicKey,
    ).toBe(own);
  });

  it('refuses a HighLevel webhook key that is not an Ed25519 public key', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 })
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();
    for (const value of [rsa, '-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----', 'x'])
      expect(() => loadSettings('broken', { broken: { ...dev, highLevelWebhookPublicKey: value } })).toThrow(
        /^stage broken: highLevelWebhookPublicKey must be an Ed25519 public key \(PEM\)$/,
      );
  });
});
