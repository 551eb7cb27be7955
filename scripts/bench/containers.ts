// Child processes of the benchmark: workers (one emulated Lambda container each, over IPC) and cold-start runs.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import type { HttpResult } from '../../lambda/shared/http';
import type { LoadReport, WorkerReply, WorkerRequest } from './worker-protocol';

type Request = WorkerRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

/** Every child still running, so run.ts can stop them all on exit or interrupt. */
const running = new Set<ChildProcess>();

export function stopAllChildren(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

function track(child: ChildProcess): ChildProcess {
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

export class Container {
  private nextId = 1;
  private readonly waiting = new Map<number, (reply: WorkerReply) => void>();
  private stderr = '';

  private constructor(private readonly child: ChildProcess) {
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-4000);
    });
    child.on('message', (reply: WorkerReply) => {
      this.waiting.get(reply.id)?.(reply);
      this.waiting.delete(reply.id);
    });
    child.once('exit', (code) => {
      for (const resolve of this.waiting.values())
        resolve({ id: -1, error: `worker exited (${code}): ${this.stderr.slice(-500)}` });
      this.waiting.clear();
    });
  }

  /**
   * Forks a worker on the `node` binary `execPath` with the handler environment and imports `bundles`
   * (name -> .mjs) into it; `execArgv` are Node flags of the worker (none, as in Lambda, unless a profile is wanted).
   */
  static async start(
    workerFile: string,
    env: Record<string, string>,
    bundles: Record<string, string>,
    options: { execPath: string; execArgv?: string[] },
  ) {
    const child = track(
      fork(workerFile, [], {
        env,
        execPath: options.execPath,
        execArgv: options.execArgv ?? [],
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      }),
    );
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`worker exited before it was ready (${code})`)));
    });
    const container = new Container(child);
    await container.send({ cmd: 'load', bundles });
    return container;
  }

  private send(request: Request): Promise<WorkerReply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, (reply) => (reply.error ? reject(new Error(reply.error)) : resolve(reply)));
      this.child.send({ ...request, id });
    });
  }

  async invoke(
    handler: string,
    event: unknown,
  ): Promise<{ result: HttpResult; wallMs: number; cpuMs: number }> {
    const reply = await this.send({ cmd: 'invoke', handler, event });
    return { result: reply.results![0], wallMs: reply.wallMs![0], cpuMs: reply.cpuMs![0] };
  }

  async batch(handler: string, events: unknown[]) {
    const reply = await this.send({ cmd: 'batch', handler, events });
    return { results: reply.results!, wallMs: reply.wallMs!, cpuMs: reply.cpuMs! };
  }

  async calibrate(url: string, count: number): Promise<{ wallMs: number[]; cpuMs: number[] }> {
    const reply = await this.send({ cmd: 'calibrate', url, count });
    return { wallMs: reply.wallMs!, cpuMs: reply.cpuMs! };
  }

  async loadRun(flows: number, concurrency: number): Promise<LoadReport> {
    return (await this.send({ cmd: 'load-run', flows, concurrency })).load!;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) return resolve();
      this.child.once('exit', () => resolve());
      this.child.disconnect();
      setTimeout(() => this.child.kill('SIGKILL'), 2000).unref();
    });
  }
}

/** The CPU time a child reports on stderr as `cpu=<ms>` (see cold-child.ts and BARE_NODE). */
export function reportedCpu(stderr: string): number {
  const match = /cpu=([0-9.]+)/.exec(stderr);
  return match ? Number(match[1]) : Number.NaN;
}

/** A bare Node process that only reports its own CPU time on exit (one stderr write more than `node -e 0`). */
export const BARE_NODE = [
  '-e',
  "const c=process.cpuUsage();process.stderr.write('cpu='+(c.user+c.system)/1000)",
];

/** Wall time (ms) from spawn to exit of `<node> args...` and the CPU it reports; rejects on a non-zero exit. */
export function timedNode(
  node: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ wallMs: number; cpuMs: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = track(spawn(node, args, { env, stdio: ['ignore', 'ignore', 'pipe'] }));
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString('utf8')).slice(-2000)));
    child.once('error', reject);
    child.once('exit', (code) => {
      const wallMs = performance.now() - t0;
      if (code === 0) resolve({ wallMs, cpuMs: reportedCpu(stderr) });
      else
        reject(new Error(`node ${args[0]} exited ${code}: ${stderr.trim().split('\n').slice(-3).join(' ')}`));
    });
  });
}
