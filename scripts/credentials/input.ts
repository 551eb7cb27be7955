// Where `set` gets values: environment variables, a hidden-input prompt on a terminal, or piped stdin.
import type { Readable, Writable } from 'node:stream';
import { CliError, EXIT } from './errors';
import type { Field, Target } from './targets';
import { parseStdinValues, type Values } from './validate';

/** stdin as the tool uses it: a terminal (raw mode for hidden input) or a pipe. */
export type Input = Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };

/** The streams and environment the tool talks to; tests pass their own. */
export interface Io {
  stdin: Input;
  stdout: Writable;
  stderr: Writable;
  env: Readonly<Record<string, string | undefined>>;
}

/** Piped input is small; more than this is not a pair of credentials. */
const MAX_STDIN_BYTES = 64 * 1024;

/** Reads all of piped stdin. */
export async function readAll(input: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of input) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk), 'utf8');
    size += buffer.length;
    if (size > MAX_STDIN_BYTES)
      throw new CliError(`stdin is larger than ${MAX_STDIN_BYTES} bytes`, EXIT.invalidInput);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Prompts for each field on a terminal in raw mode: sensitive fields are not echoed at all (not even as `*`),
 * others are echoed. Prompts go to stderr so stdout stays clean. Ctrl-C aborts.
 */
export function promptFields(io: Io, fields: readonly Field[]): Promise<Values> {
  const input = io.stdin;
  const values: Values = {};
  let index = 0;
  let current = '';
  io.stderr.write(`${fields[0].label}${fields[0].sensitive ? ' (hidden)' : ''}: `);
  input.setRawMode?.(true);
  return new Promise<Values>((resolve, reject) => {
    const finish = (error?: CliError) => {
      input.removeListener('data', onData);
      input.removeListener('end', onEnd);
      input.setRawMode?.(false);
      input.pause();
      if (error) reject(error);
      else resolve(values);
    };
    const onEnd = () => finish(new CliError('input ended before every value was entered', EXIT.invalidInput));
    const onData = (chunk: Buffer | string) => {
      for (const ch of chunk.toString()) {
        const field = fields[index];
        if (ch === '\u0003') {
          io.stderr.write('\n');
          finish(new CliError('aborted: nothing was written', EXIT.aborted));
          return;
        }
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          values[field.key] = current;
          current = '';
          index += 1;
          io.stderr.write('\n');
          if (index === fields.length) {
            finish();
            return;
          }
          io.stderr.write(`${fields[index].label}${fields[index].sensitive ? ' (hidden)' : ''}: `);
        } else if (ch === '\u007f' || ch === '\b') {
          if (current.length > 0 && !field.sensitive) io.stderr.write('\b \b');
          current = current.slice(0, -1);
        } else if (ch >= ' ') {
          current += ch;
          if (!field.sensitive) io.stderr.write(ch);
        }
      }
    };
    input.on('data', onData);
    input.on('end', onEnd);
    input.resume();
  });
}

/**
 * The values of one target. Environment variables win when any is set (then all must be); otherwise a terminal
 * is prompted and a pipe is read. Never the command line.
 */
export async function readValues(target: Target, io: Io): Promise<Values> {
  const fromEnv = target.fields.filter((f) => io.env[f.env] !== undefined);
  if (fromEnv.length > 0) {
    const missing = target.fields.filter((f) => io.env[f.env] === undefined);
    if (missing.length > 0) {
      throw new CliError(
        `${fromEnv.map((f) => f.env).join(', ')} is set but ${missing.map((f) => f.env).join(', ')} is not: set all or none`,
        EXIT.invalidInput,
      );
    }
    return Object.fromEntries(target.fields.map((f) => [f.key, io.env[f.env]]));
  }
  if (io.stdin.isTTY) return promptFields(io, target.fields);
  return parseStdinValues(target, await readAll(io.stdin));
}
