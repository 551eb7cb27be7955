// moto_server (installed on this machine image) on a free loopback port, started once per jest run like DynamoDB Local.
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort, stopProcess } from '../../scripts/local/dynamo-local';

export interface Moto {
  endpoint: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts moto_server (MOTO_SERVER overrides the command) and waits until its API answers. */
export async function startMoto(): Promise<Moto> {
  const port = await freePort();
  const child = spawn(process.env.MOTO_SERVER ?? 'moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: 'ignore',
  });
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (error) =>
      reject(
        new Error(
          `moto_server did not start (${error.message}): install moto[server] 5.x or set MOTO_SERVER`,
        ),
      ),
    );
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = () => stopProcess(child);
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const answer = await Promise.race([fetch(`${endpoint}/moto-api/data.json`), failed]);
      if (answer.ok) return { endpoint, process: child, stop };
    } catch (error) {
      if ((error as Error).message.startsWith('moto_server did not start')) throw error;
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`moto_server did not answer on ${endpoint} within 30 s`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
