// An HTTP proxy in front of moto_server that names every AWS call it forwards (service and operation, read or
// write), and answers the one read moto lacks (Lambda GetAccountSettings) as a stand-in.
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';

export interface WireCall {
  service: string;
  operation: string;
  /** Changes nothing in the account: Get/Describe/List/Query/Scan, a REST GET, or STS's AssumeRole (credentials only). */
  read: boolean;
}

export interface LambdaAccountSettings {
  ConcurrentExecutions: number;
  UnreservedConcurrentExecutions: number;
}

export interface AwsWire {
  endpoint: string;
  calls: WireCall[];
  /** What the Lambda GetAccountSettings stand-in answers (moto 5.2 has no such operation). */
  lambdaAccount: LambdaAccountSettings;
  close(): Promise<void>;
}

const READ = /^(Get|Describe|List|Query|Scan|BatchGet)/;

/** The service from the SigV4 credential scope: `Credential=<key>/<date>/<region>/<service>/aws4_request`. */
function serviceOf(req: IncomingMessage): string {
  return /Credential=[^/]+\/\d+\/[^/]+\/([^/]+)\//.exec(req.headers.authorization ?? '')?.[1] ?? 'unknown';
}

/** The operation: X-Amz-Target (JSON protocols), Action= (query protocols), else METHOD path (REST). */
function operationOf(req: IncomingMessage, body: string): { operation: string; rest: boolean } {
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string') return { operation: target.split('.').pop() ?? target, rest: false };
  const action = /(?:^|&)Action=([A-Za-z]+)/.exec(body)?.[1];
  if (action) return { operation: action, rest: false };
  const cbor = /\/operation\/([A-Za-z]+)$/.exec(req.url ?? '');
  if (cbor) return { operation: cbor[1], rest: false };
  return { operation: `${req.method} ${(req.url ?? '').split('?')[0]}`, rest: true };
}

function classify(req: IncomingMessage, body: string): WireCall {
  const service = serviceOf(req);
  const { operation, rest } = operationOf(req, body);
  const read = rest
    ? req.method === 'GET' || req.method === 'HEAD'
    : READ.test(operation) || operation === 'AssumeRole';
  return { service, operation, read };
}

/** Starts the proxy on a free loopback port, forwarding to `target` (moto_server). */
export async function startAwsWire(target: string): Promise<AwsWire> {
  const upstream = new URL(target);
  const wire: Omit<AwsWire, 'endpoint' | 'close'> = {
    calls: [],
    lambdaAccount: { ConcurrentExecutions: 1000, UnreservedConcurrentExecutions: 1000 },
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const call = classify(req, body.toString('latin1'));
      wire.calls.push(call);
      // Lambda GetAccountSettings, shaped as the Lambda API reference documents it (AccountLimit, AccountUsage).
      if (req.method === 'GET' && /^\/2016-08-19\/account-settings\/?$/.test((req.url ?? '').split('?')[0])) {
        call.operation = 'GetAccountSettings';
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            AccountLimit: {
              TotalCodeSize: 80530636800,
              CodeSizeUnzipped: 262144000,
              CodeSizeZipped: 52428800,
              ...wire.lambdaAccount,
            },
            AccountUsage: { TotalCodeSize: 0, FunctionCount: 0 },
          }),
        );
        return;
      }
      const forward = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: upstream.host },
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', (error) => {
        res.writeHead(502);
        res.end(error.message);
      });
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    ...wire,
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
