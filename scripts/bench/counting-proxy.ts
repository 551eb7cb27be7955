// A loopback HTTP proxy in front of DynamoDB Local (or moto's KMS) that counts requests by operation and reads DynamoDB's consumed capacity.
import { Agent, createServer, request, type Server } from 'node:http';

/** Service and operation of an AWS JSON-protocol request, from its X-Amz-Target header. */
export function awsOperation(target: string): { service: string; operation: string } {
  const [prefix, operation = '?'] = target.split('.');
  const service =
    prefix === 'DynamoDB_20120810'
      ? 'DynamoDB'
      : prefix === 'secretsmanager'
        ? 'SecretsManager'
        : prefix === 'AWSEvents'
          ? 'EventBridge'
          : prefix === 'TrentService'
            ? 'KMS'
            : prefix || 'unknown';
  return { service, operation };
}

const READS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);

/**
 * Request units of a DynamoDB answer's ConsumedCapacity (one object, or a list for transactions), as reads or
 * writes by operation. DynamoDB Local reports only `CapacityUnits` (transactions already doubled).
 */
export function capacityOf(answer: unknown, operation: string): { read: number; write: number } {
  const consumed = (answer as { ConsumedCapacity?: unknown } | undefined)?.ConsumedCapacity;
  const list = Array.isArray(consumed) ? consumed : consumed ? [consumed] : [];
  let units = 0;
  for (const c of list as { CapacityUnits?: number }[]) units += c.CapacityUnits ?? 0;
  return READS.has(operation) ? { read: units, write: 0 } : { read: 0, write: units };
}

export interface CountingProxy {
  endpoint: string;
  /** Requests by X-Amz-Target since start. */
  counts(): Record<string, number>;
  /** Request units DynamoDB Local reported, by X-Amz-Target. */
  capacity(): Record<string, { read: number; write: number }>;
  stop(): Promise<void>;
}

/**
 * Forwards every request to `upstream`, adding `ReturnConsumedCapacity: TOTAL` so DynamoDB Local reports the
 * request units each call consumed (DynamoDB Local does not check signatures).
 */
export async function startCountingProxy(upstream: string): Promise<CountingProxy> {
  const target = new URL(upstream);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const counts: Record<string, number> = {};
  const capacity: Record<string, { read: number; write: number }> = {};
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const amzTarget = String(req.headers['x-amz-target'] ?? '');
      counts[amzTarget] = (counts[amzTarget] ?? 0) + 1;
      let body = Buffer.concat(chunks);
      try {
        const input = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
        // DynamoDB only (a KMS request through the same proxy is forwarded as it came).
        if (amzTarget.startsWith('DynamoDB_') && input.ReturnConsumedCapacity === undefined) {
          body = Buffer.from(JSON.stringify({ ...input, ReturnConsumedCapacity: 'TOTAL' }));
        }
      } catch {
        // Not JSON: forward as it came.
      }
      const headers = { ...req.headers, 'content-length': String(body.length), host: target.host };
      const upstreamRequest = request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (c: Buffer) => parts.push(c));
          answer.on('end', () => {
            const raw = Buffer.concat(parts);
            try {
              const units = capacityOf(JSON.parse(raw.toString('utf8')), awsOperation(amzTarget).operation);
              const total = (capacity[amzTarget] ??= { read: 0, write: 0 });
              total.read += units.read;
              total.write += units.write;
            } catch {
              // Not JSON: nothing to read.
            }
            const out = { ...answer.headers, 'content-length': String(raw.length) };
            delete out['transfer-encoding'];
            res.writeHead(answer.statusCode ?? 502, out);
            res.end(raw);
          });
        },
      );
      upstreamRequest.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      upstreamRequest.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    counts: () => ({ ...counts }),
    capacity: () => JSON.parse(JSON.stringify(capacity)) as Record<string, { read: number; write: number }>,
    stop: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
