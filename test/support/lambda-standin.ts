// Starts the Lambda Invoke stand-in (test/support/lambda-runtime.mjs) in a child process with its own environment.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface LambdaStandin {
  endpoint: string;
  /** Invocations served (unknown function names not counted). */
  invocations(): Promise<number>;
  /** What the functions wrote to stdout (their structured logs). */
  logs(): string;
  stop(): Promise<void>;
}

/**
 * Serves `functions` (name -> ESM bundle) over Lambda's Invoke API, in a process whose environment is
 * `env` (a function's environment, read by the bundle at import).
 * @example const lambda = await startLambdaStandin({ 'token-access': bundle.file }, process.env)
 */
export async function startLambdaStandin(
  functions: Record<string, string>,
  env: NodeJS.ProcessEnv,
): Promise<LambdaStandin> {
  const child: ChildProcess = spawn(process.execPath, [join(__dirname, 'lambda-runtime.mjs')], {
    env: { ...env, STANDIN_FUNCTIONS: JSON.stringify(functions) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`lambda stand-in exited (${code}): ${stderr}`)));
    lines.once('line', (line) => resolve((JSON.parse(line) as { port: number }).port));
  });
  // Later stdout lines are the handlers' logs: kept for tests that look at them.
  const logs: string[] = [];
  lines.on('line', (line) => logs.push(line));
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    async invocations() {
      const response = await fetch(`${endpoint}/__stats`);
      return ((await response.json()) as { invocations: number }).invocations;
    },
    logs: () => logs.join('\n'),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
