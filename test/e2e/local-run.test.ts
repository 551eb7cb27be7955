// `npm start` as a user runs it: odd requests get API Gateway's 400/413 instead of ending the process, and when the
// process goes away, however it goes, nothing it started (DynamoDB Local's JVM, the authorization server) stays.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { devToken } from '../../scripts/local/authorizer';

/** A free TCP port in 20000-31999 (not `avoid`), checked by listening on it. */
async function freePortBelowEphemeral(avoid?: number): Promise<number> {
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    if (port === avoid) continue;
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

const ROOT = join(__dirname, '..', '..');
let child: ChildProcess;
let dir: string;
let apiUrl: string;
let dynamoEndpoint: string;
const lines: string[] = [];

/** Whether any process of the group led by `pid` is still alive. */
function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Sends raw bytes and returns the status line's code (or 'closed' when the connection ends without an answer). */
function raw(port: number, request: string | Buffer): Promise<number | 'closed'> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (data) => {
      answer += data.toString('latin1');
      const status = /^HTTP\/1\.1 (\d{3})/.exec(answer);
      if (status) {
        resolve(Number(status[1]));
        socket.destroy();
      }
    });
    socket.on('error', (error) => (answer ? resolve('closed') : reject(error)));
    socket.on('close', () => resolve('closed'));
    socket.write(request);
  });
}

const portOf = (url: string) => Number(new URL(url).port);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lb-start-'));
  // The page and the API ports come from below the OS's ephemeral range (Linux 32768-60999, macOS 49152-65535):
  // npm start picks its own servers' ports there (port 0), so a port picked here and released cannot be handed
  // to one of them before the API listens on it (API_PORT defaults to PORT + 1, which it could be).
  const port = await freePortBelowEphemeral();
  const apiPort = await freePortBelowEphemeral(port);
  // Nothing given: npm start brings up its own DynamoDB Local, AWS stand-ins and authorization server.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    API_PORT: String(apiPort),
    LOCAL_DATA_DIR: dir,
    LOCAL_READY_JSON: '1',
  };
  env.LOCAL_BUILD_DIR = join(dir, 'build');
  for (const key of Object.keys(env))
    if (key.startsWith('AWS_ENDPOINT_URL') || key === 'PROVIDER_ENDPOINT_OVERRIDES') delete env[key];
  child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'start.ts')], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`npm start not ready in 120 s:\n${lines.join('\n')}`)),
      120_000,
    );
    child.once('exit', (code) => reject(new Error(`npm start exited (${code}):\n${lines.join('\n')}`)));
    for (const stream of [child.stdout, child.stderr])
      createInterface({ input: stream as NodeJS.ReadableStream }).on('line', (line) => {
        lines.push(line);
        const dynamo = /DynamoDB:\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(line);
        if (dynamo) dynamoEndpoint = dynamo[1];
        if (line.startsWith('{"ready":true')) {
          apiUrl = (JSON.parse(line) as { apiUrl?: string; url: string }).apiUrl ?? JSON.parse(line).url;
          clearTimeout(timer);
          resolve();
        }
      });
  });
}, 150_000);

afterAll(async () => {
  if (child?.pid && groupAlive(child.pid)) process.kill(-child.pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('the local front answers what API Gateway would', () => {
  it.each([
    ['a Host header that is not a host', 'GET / HTTP/1.1\r\nHost: [\r\n\r\n', 400],
    ['a request target that reads as a host', 'GET //[ HTTP/1.1\r\nHost: localhost\r\n\r\n', 400],
    ['an absolute-form target', 'GET http://[/ HTTP/1.1\r\nHost: localhost\r\n\r\n', 400],
    [
      'a broken percent-escape in a path parameter',
      `DELETE /integrations/connections/src_%zz HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${devToken('dev-alice', 'acct-alice')}\r\nConnection: close\r\n\r\n`,
      400,
    ],
    [
      'a broken percent-escape elsewhere',
      'GET /x%E0%A4%A HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n',
      400,
    ],
  ])('%s: %p -> %d, and the process keeps running', async (_, request, status) => {
    const answered = await raw(portOf(apiUrl), request);
    if (answered !== status) throw new Error(`answered ${answered}:\n${lines.slice(-5).join('\n')}`);
    expect(child.exitCode).toBeNull();
    expect((await fetch(`${apiUrl}/integrations/oauth/google/start`, { method: 'POST' })).status).toBe(401);
  });

  it('a body over 10 MB: 413, with or without a Content-Length', async () => {
    const token = devToken('dev-alice', 'acct-alice');
    const big = Buffer.alloc(10 * 1024 * 1024 + 1, 0x20);
    const declared = await fetch(`${apiUrl}/integrations/oauth/google/start`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: big,
    });
    expect(declared.status).toBe(413);
    expect(await declared.json()).toEqual({ message: 'Request Entity Too Large' });
    const chunked = Buffer.concat([
      Buffer.from(
        `POST /integrations/oauth/google/start HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${token}\r\n` +
          `Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${big.length.toString(16)}\r\n`,
      ),
      big,
      Buffer.from('\r\n0\r\n\r\n'),
    ]);
    expect(await raw(portOf(apiUrl), chunked)).toBe(413);
    expect(child.exitCode).toBeNull();
  });
});

describe('stopping npm start', () => {
  it('even killed outright (SIGKILL, no clean-up code runs), it leaves no process behind and frees DynamoDB Local', async () => {
    expect(dynamoEndpoint).toBeDefined();
    expect((await fetch(dynamoEndpoint)).status).toBeGreaterThanOrEqual(400);
    const pid = child.pid as number;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(pid, 'SIGKILL');
    await exited;
    const deadline = Date.now() + 15_000;
    while (groupAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(groupAlive(pid)).toBe(false);
    await expect(fetch(dynamoEndpoint)).rejects.toThrow();
  }, 30_000);
});
