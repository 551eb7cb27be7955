// Shared fixtures of the credentials tool tests: valid random values per provider, captured streams, a fake backend.
import { randomBytes } from 'node:crypto';
import { PassThrough, Readable, Writable } from 'node:stream';
import type { ProviderId } from '../../lambda/providers/types';
import type { Deps } from '../../scripts/credentials/commands';
import type { Input } from '../../scripts/credentials/input';

const alnum = (n: number, alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789') =>
  Array.from(randomBytes(n), (b) => alphabet[b % alphabet.length]).join('');
const hex = (n: number) =>
  randomBytes(Math.ceil(n / 2))
    .toString('hex')
    .slice(0, n);

/** A client id of the documented shape, random each call. */
export function clientIdFor(id: ProviderId): string {
  switch (id) {
    case 'google':
      return `${1e9 + (randomBytes(3).readUIntBE(0, 3) % 1e9)}-${alnum(24)}.apps.googleusercontent.com`;
    case 'hubspot':
      return `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`;
    case 'gohighlevel':
      return `${hex(24)}-${alnum(8)}`;
    case 'dropbox':
      return alnum(15);
    case 'box':
      return alnum(32);
    case 'quickbooks':
      return `AB${alnum(48, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789')}`;
    case 'shopify':
      return hex(32);
    case 'keap':
      return alnum(30, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789');
    case 'stripe':
      return `ca_${alnum(24, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789')}`;
  }
}

/** A client secret that no other text in a test run contains. */
export const clientSecret = () => `cs-${randomBytes(18).toString('base64url')}`;
export const webhookSecret = () =>
  `whsec_${randomBytes(24)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, 'x')}`;

export interface Captured {
  stdout: Writable;
  stderr: Writable;
  out(): string;
  err(): string;
}

export function capture(): Captured {
  const sink = (chunks: string[]) =>
    new Writable({
      write(chunk, _encoding, callback) {
        chunks.push(chunk.toString());
        callback();
      },
    });
  const out: string[] = [];
  const err: string[] = [];
  return { stdout: sink(out), stderr: sink(err), out: () => out.join(''), err: () => err.join('') };
}

/** stdin as a pipe holding `text`. */
export const pipedStdin = (text = ''): Input => Readable.from([Buffer.from(text)]);

/** stdin as a terminal: raw mode recorded, keystrokes pushed by the test. */
export function ttyStdin(): PassThrough & { isTTY: true; setRawMode: jest.Mock; rawModes: boolean[] } {
  const stream = new PassThrough() as PassThrough & {
    isTTY: true;
    setRawMode: jest.Mock;
    rawModes: boolean[];
  };
  stream.isTTY = true;
  stream.rawModes = [];
  stream.setRawMode = jest.fn((raw: boolean) => stream.rawModes.push(raw));
  return stream;
}

/** Deps around captured streams; `store` is supplied by the test. */
export function depsWith(
  captured: Captured,
  store: Deps['store'],
  options: {
    stdin?: Input;
    env?: Record<string, string>;
    files?: Record<string, string>;
    mode?: number;
  } = {},
): Deps {
  return {
    stdin: options.stdin ?? pipedStdin(),
    stdout: captured.stdout,
    stderr: captured.stderr,
    env: options.env ?? {},
    store,
    readFile: async (path) => {
      const text = options.files?.[path];
      if (text === undefined)
        throw Object.assign(new Error(`ENOENT: no such file, open '${path}'`), { code: 'ENOENT' });
      return text;
    },
    fileMode: async () => options.mode ?? 0o600,
  };
}

/** Asserts that none of `values` (nor a long piece of one) appears in any of `texts`. */
export function expectNoValues(texts: readonly string[], values: readonly string[]): void {
  const all = texts.join('\n');
  for (const value of values) {
    expect(all).not.toContain(value);
    if (value.length >= 16) {
      expect(all).not.toContain(value.slice(0, 12));
      expect(all).not.toContain(value.slice(-12));
    }
  }
}
