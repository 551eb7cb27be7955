// A loopback token endpoint answering like Google's: realistic sizes, fresh random tokens, one answer per code.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';

/** Codes starting with this prefix get an access token that expires inside the refresh margin. */
export const SHORT_LIVED_CODE = 'short-';

export interface TokenEndpoint {
  /** Base URL; the token endpoint is `${url}/token`, revocation `${url}/revoke`. */
  url: string;
  /** Requests answered, by grant type (`authorization_code`, `refresh_token`, `revoke`, `invalid`). */
  counts(): Record<string, number>;
  stop(): Promise<void>;
}

const b64 = (bytes: number) => randomBytes(bytes).toString('base64url');

function idToken(clientId: string, sub: string): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const header = { alg: 'RS256', kid: b64(20), typ: 'JWT' };
  const claims = {
    iss: 'https://accounts.google.com',
    azp: clientId,
    aud: clientId,
    sub,
    at_hash: b64(16),
    iat: now,
    exp: now + 3600,
  };
  return `${part(header)}.${part(claims)}.${b64(256)}`;
}

/** Google-shaped token answer (access token ~220 characters, id_token ~900). */
export function googleTokenAnswer(clientId: string, expiresIn: number, withRefreshToken: boolean): string {
  return JSON.stringify({
    access_token: `ya29.${b64(160)}`,
    expires_in: expiresIn,
    ...(withRefreshToken ? { refresh_token: `1//0${b64(75)}` } : {}),
    scope:
      'openid https://www.googleapis.com/auth/drive.readonly https://www.googleapis.com/auth/spreadsheets.readonly',
    token_type: 'Bearer',
    id_token: idToken(clientId, String(100000000000000000000n + BigInt(randomBytes(6).readUIntBE(0, 6)))),
  });
}

export async function startTokenEndpoint(clientId: string): Promise<TokenEndpoint> {
  const counts: Record<string, number> = {};
  const count = (key: string) => (counts[key] = (counts[key] ?? 0) + 1);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const send = (status: number, body: string) => {
        res.writeHead(status, {
          'content-type': 'application/json; charset=utf-8',
          'cache-control': 'no-store',
        });
        res.end(body);
      };
      if (req.method === 'POST' && req.url === '/revoke') {
        count('revoke');
        return send(200, '{}');
      }
      const grant = form.get('grant_type');
      if (req.method !== 'POST' || req.url !== '/token' || form.get('client_id') !== clientId) {
        count('invalid');
        return send(400, '{"error":"invalid_request"}');
      }
      if (grant === 'authorization_code' && form.get('code')) {
        count(grant);
        const short = form.get('code')?.startsWith(SHORT_LIVED_CODE);
        return send(200, googleTokenAnswer(clientId, short ? 60 : 3599, true));
      }
      if (grant === 'refresh_token' && form.get('refresh_token')) {
        count(grant);
        return send(200, googleTokenAnswer(clientId, 3599, false));
      }
      count('invalid');
      return send(400, '{"error":"unsupported_grant_type"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    counts: () => ({ ...counts }),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
