// Sends a provider request with a timeout and a cap on the answer's size; never logs bodies.
// node:http(s) rather than fetch: the SDK has loaded them already, while the first fetch() loads undici, which
// cost the callback's cold start about as much as starting Node itself (docs/performance.md).
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { ProviderRequest } from './http-request';
import type { ProviderResponse } from './token-response';

const MAX_BODY_BYTES = 256 * 1024;

/** Thrown for timeouts, refused connections and oversized answers: all mean "try again later". */
export class TransportError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransportError';
  }
}

function headersOf(request: ProviderRequest): Record<string, string> {
  const headers: Record<string, string> = {
    // Plain answers only: nothing to decompress, nothing a compression bomb could inflate.
    'accept-encoding': 'identity',
    'user-agent': 'listbackup-integrations',
    ...request.headers,
  };
  if (request.body !== undefined) {
    headers['content-length'] = String(Buffer.byteLength(request.body));
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
      headers['content-type'] = 'text/plain;charset=UTF-8';
    }
  }
  return headers;
}

/**
 * Sends the request (redirects are answers, not followed); resolves with status, content type and body text.
 * @throws TransportError on timeout, network failure or an oversized answer.
 */
export function send(request: ProviderRequest, timeoutMs: number): Promise<ProviderResponse> {
  const signal = AbortSignal.timeout(timeoutMs);
  return new Promise<ProviderResponse>((resolve, reject) => {
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      if (error instanceof TransportError) return reject(error);
      reject(
        new TransportError(
          signal.aborted ? `provider did not answer within ${timeoutMs} ms` : 'provider unreachable',
          { cause: error },
        ),
      );
    };
    let url: URL;
    try {
      url = new URL(request.url);
      if (url.protocol !== 'https:' && url.protocol !== 'http:')
        throw new Error(`unsupported ${url.protocol}`);
    } catch (error) {
      return fail(error);
    }
    const client = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const outgoing = client(
      url,
      { method: request.method, headers: headersOf(request), signal },
      (answer: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        answer.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) {
            fail(new TransportError(`provider answer larger than ${MAX_BODY_BYTES} bytes`));
            outgoing.destroy();
            return;
          }
          chunks.push(chunk);
        });
        answer.on('error', fail);
        answer.on('aborted', () => fail(new Error('answer aborted')));
        answer.on('end', () => {
          if (settled) return;
          settled = true;
          const type = answer.headers['content-type'];
          const retryAfter = answer.headers['retry-after'];
          resolve({
            status: answer.statusCode ?? 0,
            contentType: Array.isArray(type) ? type.join(', ') : (type ?? ''),
            body: Buffer.concat(chunks).toString('utf8'),
            ...(retryAfter === undefined ? {} : { retryAfter }),
          });
        });
      },
    );
    outgoing.on('error', fail);
    outgoing.end(request.body);
  });
}
