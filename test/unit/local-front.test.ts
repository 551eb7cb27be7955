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
    writeFileSync(join(pageDir, 'index.html'), '<!doctype html><title>connect</title>');
    const echo = async (event: APIGatewayProxyEventV2) => {
      seen.push(event);
      return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true}' };
    };
    front = await startLocalServer({
      port: 0,
      pageDir,
      handlers: { 'oauth-start': echo, 'oauth-callback': echo },
    });
  });

  afterAll(async () => {
    await front.close();
  });

  it('maps an authorized POST to a payload v2 event with path parameters, body and authorizer context', async () => {
    const response = await fetch(`${front.url}/integrations/oauth/google/start`, {
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
    const response = await fetch(`${front.url}/integrations/oauth/google/start`, { method: 'POST' });
    expect(response.status).toBe(401);
    expect(seen.length).toBe(before);
  });

  it('passes the public callback through with its raw query and no authorizer', async () => {
    const response = await fetch(`${front.url}/integrations/oauth/callback/dropbox?code=c&state=s&state=t`);
    expect(response.status).toBe(200);
    const event = seen.at(-1)!;
    expect(event.rawQueryString).toBe('code=c&state=s&state=t');
    expect(event.queryStringParameters).toEqual({ code: 'c', state: 's,t' });
    expect((event.requestContext as { authorizer?: unknown }).authorizer).toBeUndefined();
  });

  it('serves the connect page with a strict content security policy and 404s for anything else', async () => {
    const page = await fetch(`${front.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect((await fetch(`${front.url}/integrations/oauth/google/start`)).status).toBe(404);
    expect((await fetch(`${front.url}/nope`)).status).toBe(404);
  });
});
