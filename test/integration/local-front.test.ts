// The local run's front: the dev authorizer stand-in and the HTTP -> API Gateway payload v2 mapping.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { authorize, devToken } from '../../scripts/local/authorizer';
import { startLocalServer, type LocalServer } from '../../scripts/local/server';

describe('dev authorizer', () => {
  it('turns a development token into the authorizer context', () => {
    expect(authorize(`Bearer ${devToken('user-1', 'acct-1')}`)).toEqual({
      userId: 'user-1',
      accountId: 'acct-1',
    });
  });

  it.each([
    undefined,
    '',
    'Bearer',
    `Basic ${devToken('u', 'a')}`,
    `Bearer ${devToken('u', 'a')}x!`,
    `Bearer dev.${Buffer.from('not json').toString('base64url')}`,
    `Bearer dev.${Buffer.from(JSON.stringify({ userId: 'u' })).toString('base64url')}`,
    `Bearer dev.${Buffer.from(JSON.stringify({ userId: 'u/../x', accountId: 'a' })).toString('base64url')}`,
    `Bearer dev.${Buffer.from(JSON.stringify({ userId: 1, accountId: 'a' })).toString('base64url')}`,
  ])('refuses %p', (header) => {
    expect(authorize(header)).toBeUndefined();
  });
});

describe('HTTP front', () => {
  let front: LocalServer;
  const seen: APIGatewayProxyEventV2[] = [];

  beforeAll(async () => {
    const pageDir = mkdtempSync(join(tmpdir(), 'front-'));
    writeFileSync(
      join(pageDir, 'index.html'),
      '<!doctype html><meta name="listbackup-api" content="__API_URL__"><title>connect</title>',
    );
    const echo = async (event: APIGatewayProxyEventV2) => {
      seen.push(event);
      return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true}' };
    };
    front = await startLocalServer({
      port: 0,
      pageDir,
      handlers: {
        'oauth-start': echo,
        'oauth-callback': echo,
        'cors-preflight': async (event) => {
          seen.push(event);
          return { statusCode: 299, headers: {}, body: '' };
        },
      },
    });
  });

  afterAll(async () => {
    await front.close();
  });

  it('maps an authorized POST to a payload v2 event with path parameters, body and authorizer context', async () => {
    const response = await fetch(`${front.apiUrl}/integrations/oauth/google/start`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${devToken('user-9', 'acct-9')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ returnPath: '/x' }),
    });
    expect(response.status).toBe(200);
    const event = seen.at(-1)! as APIGatewayProxyEventV2 & {
      requestContext: { authorizer: { lambda: unknown } };
    };
    expect(event.version).toBe('2.0');
    expect(event.routeKey).toBe('POST /integrations/oauth/{provider}/start');
    expect(event.pathParameters).toEqual({ provider: 'google' });
    expect(event.requestContext.http.method).toBe('POST');
    expect(event.requestContext.authorizer.lambda).toEqual({ userId: 'user-9', accountId: 'acct-9' });
    const body = event.isBase64Encoded ? Buffer.from(event.body!, 'base64').toString() : event.body;
    expect(JSON.parse(body!)).toEqual({ returnPath: '/x' });
  });

  it('answers 401 like the real authorizer when the token is missing, without calling the handler', async () => {
    const before = seen.length;
    const response = await fetch(`${front.apiUrl}/integrations/oauth/google/start`, { method: 'POST' });
    expect(response.status).toBe(401);
    expect(seen.length).toBe(before);
  });

  it('passes the public callback through with its raw query and no authorizer', async () => {
    const response = await fetch(
      `${front.apiUrl}/integrations/oauth/callback/dropbox?code=c&state=s&state=t`,
    );
    expect(response.status).toBe(200);
    const event = seen.at(-1)!;
    expect(event.rawQueryString).toBe('code=c&state=s&state=t');
    expect(event.queryStringParameters).toEqual({ code: 'c', state: 's,t' });
    expect((event.requestContext as { authorizer?: unknown }).authorizer).toBeUndefined();
  });

  it('serves the connect page from the app origin, naming the API origin, with a strict content security policy', async () => {
    expect(front.appUrl).not.toBe(front.apiUrl);
    const page = await fetch(`${front.appUrl}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`content="${front.apiUrl}"`);
    expect(page.headers.get('content-security-policy')).toContain(`connect-src 'self' ${front.apiUrl};`);
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    // The API origin serves no page; the app origin no API.
    expect((await fetch(`${front.apiUrl}/`)).status).toBe(404);
    expect((await fetch(`${front.appUrl}/integrations/oauth/google/start`, { method: 'POST' })).status).toBe(
      404,
    );
    expect((await fetch(`${front.apiUrl}/integrations/oauth/google/start`)).status).toBe(404);
    expect((await fetch(`${front.appUrl}/nope`)).status).toBe(404);
  });

  it('sends a preflight on a browser route to the preflight handler, as the OPTIONS route would', async () => {
    const response = await fetch(`${front.apiUrl}/integrations/oauth/google/start`, {
      method: 'OPTIONS',
      headers: { origin: front.appUrl, 'access-control-request-method': 'POST' },
    });
    expect(response.status).toBe(299);
    const event = seen.at(-1)!;
    expect(event.routeKey).toBe('OPTIONS /integrations/oauth/{provider}/start');
    expect(event.headers.origin).toBe(front.appUrl);
    expect((event.requestContext as { authorizer?: unknown }).authorizer).toBeUndefined();
  });
});

describe("HTTP front playing the core API's CORS configuration (preflight core-api)", () => {
  let front: LocalServer;
  let calls = 0;

  beforeAll(async () => {
    const pageDir = mkdtempSync(join(tmpdir(), 'front-'));
    writeFileSync(join(pageDir, 'index.html'), '<!doctype html><title>connect</title>');
    const answer = async () => {
      calls += 1;
      return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true}' };
    };
    front = await startLocalServer({
      port: 0,
      pageDir,
      preflight: 'core-api',
      allowedOrigins: ['http://app.local.test'],
      handlers: { 'oauth-start': answer, 'cors-preflight': answer, 'oauth-callback': answer },
    });
  });

  afterAll(async () => {
    await front.close();
  });

  const preflight = (origin: string) =>
    fetch(`${front.apiUrl}/integrations/oauth/google/start`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization',
      },
    });

  it('answers the preflight itself (no handler runs): 204 for the allowed origin, 403 for another', async () => {
    const allowed = await preflight('http://app.local.test');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://app.local.test');
    const foreign = await preflight('http://app.local.test.evil.example');
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    expect(calls).toBe(0);
  });

  it('adds the allow header to a browser route answer for the allowed origin only; none on the callback', async () => {
    const post = (origin: string) =>
      fetch(`${front.apiUrl}/integrations/oauth/google/start`, {
        method: 'POST',
        headers: { origin, authorization: `Bearer ${devToken('u', 'a')}` },
      });
    expect((await post('http://app.local.test')).headers.get('access-control-allow-origin')).toBe(
      'http://app.local.test',
    );
    expect((await post('http://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
    const callback = await fetch(`${front.apiUrl}/integrations/oauth/callback/google?code=c&state=s`, {
      headers: { origin: 'http://app.local.test' },
    });
    expect(callback.headers.get('access-control-allow-origin')).toBeNull();
  });
});
