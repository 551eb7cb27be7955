// The provider transport on loopback: answers, redirects returned not followed, timeouts and the size cap.
import { createServer, type Server } from 'node:http';
import { send, TransportError } from '../../lambda/oauth/transport';

let server: Server;
let base: string;
const seen: { method?: string; headers: Record<string, unknown>; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method, headers: req.headers, body: Buffer.concat(chunks).toString() });
      if (req.url === '/json') {
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
      } else if (req.url === '/redirect') {
        res.writeHead(302, { location: `${base}/json` });
        res.end();
      } else if (req.url === '/slow') {
        setTimeout(() => res.end('late'), 2000).unref();
      } else if (req.url === '/huge') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(Buffer.alloc(300 * 1024, 97));
      } else {
        res.writeHead(404);
        res.end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

it('sends method, headers and body and returns status, content type and body', async () => {
  const answer = await send(
    {
      url: `${base}/json`,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'a=1&b=%C3%A9',
    },
    1000,
  );
  expect(answer).toEqual({ status: 201, contentType: 'application/json', body: '{"ok":true}' });
  const request = seen.at(-1)!;
  expect(request.method).toBe('POST');
  expect(request.body).toBe('a=1&b=%C3%A9');
  expect(request.headers['content-length']).toBe('12');
  expect(request.headers['accept-encoding']).toBe('identity');
});

it('returns a redirect as the answer instead of following it', async () => {
  const before = seen.length;
  const answer = await send({ url: `${base}/redirect`, method: 'POST', headers: {} }, 1000);
  expect(answer.status).toBe(302);
  expect(seen.length).toBe(before + 1);
});

it('gives up after the timeout with a TransportError', async () => {
  const started = Date.now();
  const failure = send({ url: `${base}/slow`, method: 'POST', headers: {} }, 200);
  await expect(failure).rejects.toBeInstanceOf(TransportError);
  await expect(failure).rejects.toThrow('provider did not answer within 200 ms');
  expect(Date.now() - started).toBeLessThan(1500);
});

it('refuses an answer larger than 256 KB', async () => {
  await expect(send({ url: `${base}/huge`, method: 'POST', headers: {} }, 1000)).rejects.toThrow(
    /larger than/,
  );
});

it('reports an unreachable provider and a non-http URL as TransportError', async () => {
  await expect(
    send({ url: 'http://127.0.0.1:1/token', method: 'POST', headers: {} }, 1000),
  ).rejects.toBeInstanceOf(TransportError);
  await expect(send({ url: 'file:///etc/passwd', method: 'POST', headers: {} }, 1000)).rejects.toBeInstanceOf(
    TransportError,
  );
});
