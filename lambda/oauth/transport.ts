// Sends a provider request with a timeout and a cap on the answer's size; never logs bodies.
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

async function readCapped(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel();
      throw new TransportError(`provider answer larger than ${MAX_BODY_BYTES} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Sends the request; resolves with status, content type and body text.
 * @throws TransportError on timeout, network failure or an oversized answer.
 */
export async function send(request: ProviderRequest, timeoutMs: number): Promise<ProviderResponse> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      redirect: 'manual',
      signal,
    });
    const body = await readCapped(response);
    return { status: response.status, contentType: response.headers.get('content-type') ?? '', body };
  } catch (error) {
    if (error instanceof TransportError) throw error;
    const name = (error as { name?: string }).name;
    throw new TransportError(
      name === 'TimeoutError' ? `provider did not answer within ${timeoutMs} ms` : 'provider unreachable',
      {
        cause: error,
      },
    );
  }
}
