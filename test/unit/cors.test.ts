// CORS: which origins may read our answers and pass a preflight, and the headers the browser routes answer with.
import { originMatcher, isOriginRule, preflightAnswer, withCors } from '../../lambda/shared/cors';
import type { HttpResult } from '../../lambda/shared/http';
import { TEST_APP_URL } from '../support/constants';
import { httpEvent } from '../support/events';

const APP = 'https://app.dev.listbackup.ai';
const dev = originMatcher([APP, 'https://*.preview.listbackup.ai']);
const ORIGINS = {
  allowed: APP,
  preview: 'https://pr-12.preview.listbackup.ai',
  foreign: 'https://evil.example',
  lookalike: 'https://app.dev.listbackup.ai.evil.example',
  prefixed: 'https://evilapp.dev.listbackup.ai',
  otherScheme: 'http://app.dev.listbackup.ai',
  otherPort: 'https://app.dev.listbackup.ai:8443',
  twoLabels: 'https://a.b.preview.listbackup.ai',
  previewLookalike: 'https://pr-12.preview.listbackup.ai.evil.example',
  nullOrigin: 'null',
};

const preflight = (origin: string | undefined, method = 'POST', headers = 'authorization,content-type') =>
  httpEvent({
    method: 'OPTIONS',
    path: '/integrations/oauth/google/start',
    headers: {
      ...(origin === undefined ? {} : { origin }),
      'access-control-request-method': method,
      'access-control-request-headers': headers,
    },
  });
const ok: HttpResult = { statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{}' };
const allowHeaders = (r: HttpResult) => Object.keys(r.headers).filter((h) => h.startsWith('access-control-'));

describe('allowed origins', () => {
  it.each([
    ['allowed', true],
    ['preview', true],
    ['foreign', false],
    ['lookalike', false],
    ['prefixed', false],
    ['otherScheme', false],
    ['otherPort', false],
    ['twoLabels', false],
    ['previewLookalike', false],
    ['nullOrigin', false],
  ] as const)('%s origin: allowed %p (exact or one-label pattern, anchored)', (name, expected) => {
    expect(dev(ORIGINS[name])).toBe(expected);
  });

  it('no origin is not an allowed origin', () => {
    expect(dev(undefined)).toBe(false);
  });

  it.each([
    ['https://app.example.com', true],
    ['http://localhost:3000', true],
    ['https://*.preview.example.com', true],
    ['https://app.example.com/', false],
    ['https://app.example.com/path', false],
    ['https://*', false],
    ['*', false],
    ['https://a.*.example.com', false],
    ['https://App.example.com', false],
    ['app.example.com', false],
  ])('rule %p is valid: %p', (rule, valid) => {
    expect(isOriginRule(rule)).toBe(valid);
  });
});

describe('preflight answer', () => {
  it('allowed origin: 204 naming that origin, the methods, the headers, a max age, Vary: Origin', () => {
    const answer = preflightAnswer(dev, preflight(APP));
    expect(answer.statusCode).toBe(204);
    expect(answer.headers).toEqual({
      'access-control-allow-origin': APP,
      'access-control-allow-methods': 'POST, DELETE',
      'access-control-allow-headers': 'authorization, content-type',
      'access-control-max-age': '600',
      vary: 'Origin',
    });
    expect(answer.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('a preview origin matching the pattern gets its own origin back, never *', () => {
    expect(preflightAnswer(dev, preflight(ORIGINS.preview)).headers['access-control-allow-origin']).toBe(
      ORIGINS.preview,
    );
  });

  it.each(['foreign', 'lookalike', 'nullOrigin'] as const)('%s origin: refused, no allow header', (name) => {
    const answer = preflightAnswer(dev, preflight(ORIGINS[name]));
    expect(answer.statusCode).toBe(403);
    expect(allowHeaders(answer)).toEqual([]);
    expect(JSON.parse(answer.body as string).error).toBe('origin_not_allowed');
  });

  it('no origin: refused', () => {
    const answer = preflightAnswer(dev, preflight(undefined));
    expect(answer.statusCode).toBe(403);
    expect(allowHeaders(answer)).toEqual([]);
  });

  it('a method or header we do not take: refused even for the app', () => {
    expect(preflightAnswer(dev, preflight(APP, 'PUT')).statusCode).toBe(403);
    expect(preflightAnswer(dev, preflight(APP, 'POST', 'authorization, x-debug')).statusCode).toBe(403);
    expect(preflightAnswer(dev, preflight(APP, 'DELETE', 'Authorization')).statusCode).toBe(204);
    expect(preflightAnswer(dev, preflight(APP, 'POST', '')).statusCode).toBe(204);
  });
});

describe('answers of the browser routes', () => {
  const answer = (origin?: string) =>
    withCors(dev, httpEvent({ method: 'POST', headers: origin ? { origin } : {} }), ok);

  it('allowed origin: Access-Control-Allow-Origin names it, Vary: Origin, no credentials header', () => {
    expect(answer(APP).headers).toEqual({
      'content-type': 'application/json',
      'access-control-allow-origin': APP,
      vary: 'Origin',
    });
  });

  it.each(['foreign', 'lookalike', 'prefixed'] as const)(
    '%s origin: no allow header, still Vary: Origin',
    (name) => {
      expect(answer(ORIGINS[name]).headers).toEqual({ 'content-type': 'application/json', vary: 'Origin' });
    },
  );

  it('no origin (a server call): no allow header', () => {
    expect(answer().headers).toEqual({ 'content-type': 'application/json', vary: 'Origin' });
  });
});

describe('the handlers', () => {
  // Each request fails before any AWS call (unknown provider, no caller), so the answer is pure.
  const cases = [
    ['oauth-start', { method: 'POST', pathParameters: { provider: 'nope' } }],
    ['oauth-complete', { method: 'POST', pathParameters: { provider: 'google' }, caller: null }],
    ['connection-disconnect', { method: 'DELETE', pathParameters: { sourceId: 'src_1' }, caller: null }],
  ] as const;

  it.each(cases)('%s: the JSON answer carries the app origin only for the app', async (name, event) => {
    const { handler } = (await import(`../../lambda/handlers/${name}`)) as {
      handler: (e: unknown) => Promise<HttpResult>;
    };
    const app = await handler(httpEvent({ ...event, headers: { origin: TEST_APP_URL } }));
    expect(app.statusCode).toBeGreaterThanOrEqual(400);
    expect(app.headers['access-control-allow-origin']).toBe(TEST_APP_URL);
    expect(app.headers.vary).toBe('Origin');
    const lookalike = await handler(
      httpEvent({ ...event, headers: { origin: `${TEST_APP_URL}.evil.example` } }),
    );
    expect(allowHeaders(lookalike)).toEqual([]);
    expect(lookalike.headers.vary).toBe('Origin');
  });

  it('cors-preflight: answers the app, refuses a look-alike', async () => {
    const { handler } = await import('../../lambda/handlers/cors-preflight');
    expect((await handler(preflight(TEST_APP_URL))).statusCode).toBe(204);
    const refused = await handler(preflight(`${TEST_APP_URL}.evil.example`));
    expect(refused.statusCode).toBe(403);
    expect(allowHeaders(refused)).toEqual([]);
  });

  it.each(['oauth-callback', 'webhooks'])(
    '%s: no CORS headers (a navigation and server calls)',
    async (name) => {
      const { handler } = (await import(`../../lambda/handlers/${name}`)) as {
        handler: (e: unknown) => Promise<HttpResult>;
      };
      const result = await handler(
        httpEvent({
          method: name === 'webhooks' ? 'POST' : 'GET',
          pathParameters: { provider: 'nope' },
          headers: { origin: TEST_APP_URL },
        }),
      );
      expect(allowHeaders(result)).toEqual([]);
    },
  );
});
