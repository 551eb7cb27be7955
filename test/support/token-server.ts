// A loopback HTTP server that answers token and revocation requests as a test scripts it, recording each request.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Epoch ms the request arrived. */
  receivedAt: number;
}

export interface ScriptedAnswer {
  status: number;
  contentType?: string;
  body: string;
  delayMs?: number;
  /** Extra answer headers (Retry-After). */
  headers?: Record<string, string>;
}

export interface TokenServer {
  url: string;
  requests: RecordedRequest[];
  /** Answers for the next requests to `path`, in order; afterwards the default answer. */
  script(path: string, ...answers: ScriptedAnswer[]): void;
  setDefault(path: string, answer: (req: RecordedRequest) => ScriptedAnswer): void;
  stop(): Promise<void>;
}

export async function startTokenServer(): Promise<TokenServer> {
  const queues = new Map<string, ScriptedAnswer[]>();
  const defaults = new Map<string, (req: RecordedRequest) => ScriptedAnswer>();
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const recorded = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        receivedAt: Date.now(),
      };
      requests.push(recorded);
      const path = (req.url ?? '').split('?')[0];
      const answer = queues.get(path)?.shift() ??
        defaults.get(path)?.(recorded) ?? { status: 404, body: '{"error":"not_scripted"}' };
      setTimeout(() => {
        res.writeHead(answer.status, {
          'content-type': answer.contentType ?? 'application/json',
          ...answer.headers,
        });
        res.end(answer.body);
      }, answer.delayMs ?? 0);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script: (path, ...answers) => queues.set(path, [...(queues.get(path) ?? []), ...answers]),
    setDefault: (path, answer) => defaults.set(path, answer),
    stop: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
