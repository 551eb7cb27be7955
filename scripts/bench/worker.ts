// A stand-in for one Lambda container: a plain `node` child (forked by run.ts) that imports handler bundles once
// and serves invocations sent over IPC, timing each (wall clock and process CPU) around the handler call only.
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { HttpEvent, HttpResult } from '../../lambda/shared/http';
import { callbackEvent, completeEvent, newCaller, redirectOf, startEvent, stateOf } from './flow-events';
import type { LoadReport, WorkerReply, WorkerRequest } from './worker-protocol';

type Handler = (event: unknown) => Promise<HttpResult>;
const handlers = new Map<string, Handler>();

async function timed(handler: Handler, event: unknown) {
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const result = await handler(event);
  const wallMs = performance.now() - t0;
  const used = process.cpuUsage(cpu);
  return { result, wallMs, cpuMs: (used.user + used.system) / 1000 };
}

function handlerNamed(name: string): Handler {
  const handler = handlers.get(name);
  if (!handler) throw new Error(`bundle ${name} not loaded`);
  return handler;
}

/** Complete flows with `concurrency` in flight: start, the callback twice at once (exactly one may win), complete, a replayed complete. */
async function loadRun(flows: number, concurrency: number): Promise<LoadReport> {
  const start = handlerNamed('oauth-start');
  const callback = handlerNamed('oauth-callback');
  const complete = handlerNamed('oauth-complete');
  const report: LoadReport = {
    flows,
    concurrency,
    wallMs: 0,
    flowMs: [],
    invocationMs: { 'oauth-start': [], 'oauth-callback': [], 'oauth-complete': [] },
    pending: 0,
    callbackReplaysRefused: 0,
    connected: 0,
    completeReplaysRefused: 0,
    errors: 0,
    errorSamples: [],
  };
  const fail = (what: string) => {
    report.errors += 1;
    if (report.errorSamples.length < 5) report.errorSamples.push(what);
  };
  const call = async (name: keyof LoadReport['invocationMs'], handler: Handler, event: HttpEvent) => {
    const t0 = performance.now();
    const result = await handler(event);
    report.invocationMs[name].push(performance.now() - t0);
    return result;
  };

  const one = async () => {
    const caller = newCaller();
    const t0 = performance.now();
    const state = stateOf(await call('oauth-start', start, startEvent(caller)));
    const answers = (
      await Promise.all([
        call('oauth-callback', callback, callbackEvent(state)),
        call('oauth-callback', callback, callbackEvent(state)),
      ])
    ).map(redirectOf);
    const winners = answers.filter((a) => a.status === 'pending' && a.completion);
    const refused = answers.filter((a) => a.status === 'error' && a.error === 'invalid_state');
    report.pending += winners.length;
    report.callbackReplaysRefused += refused.length;
    if (winners.length !== 1 || refused.length !== 1) {
      fail(`callback pair answered ${JSON.stringify(answers.map((a) => a.status + ':' + (a.error ?? '')))}`);
      return;
    }
    const completion = winners[0].completion as string;
    const done = await call('oauth-complete', complete, completeEvent(caller, completion));
    const body = JSON.parse(String(done.body)) as { status?: string; error?: string };
    if (done.statusCode !== 200 || body.status !== 'connected') {
      fail(`complete answered ${done.statusCode} ${body.status ?? body.error}`);
      return;
    }
    report.connected += 1;
    report.flowMs.push(performance.now() - t0);
    const replay = await complete(completeEvent(caller, completion));
    const replayBody = JSON.parse(String(replay.body)) as { error?: string };
    if (replay.statusCode === 400 && replayBody.error === 'invalid_completion')
      report.completeReplaysRefused += 1;
    else fail(`replayed complete answered ${replay.statusCode} ${replayBody.error}`);
  };

  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < flows) {
        next += 1;
        await one().catch((error: Error) => fail(`${error.name}: ${error.message}`));
      }
    }),
  );
  report.wallMs = performance.now() - t0;
  return report;
}

/** CPU of bare keep-alive HTTP round trips on loopback: what one network call costs this machine, handler aside. */
async function calibrate(url: string, count: number) {
  const agent = new Agent({ keepAlive: true });
  const post = () =>
    new Promise<void>((resolve, reject) => {
      const req = request(
        url,
        { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
        (res) => {
          res.resume();
          res.on('end', resolve);
        },
      );
      req.on('error', reject);
      req.end('{}');
    });
  const wallMs: number[] = [];
  const cpuMs: number[] = [];
  for (let i = 0; i < count; i++) {
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    await post();
    wallMs.push(performance.now() - t0);
    const used = process.cpuUsage(cpu);
    cpuMs.push((used.user + used.system) / 1000);
  }
  agent.destroy();
  return { wallMs, cpuMs };
}

async function serve(request: WorkerRequest): Promise<WorkerReply> {
  switch (request.cmd) {
    case 'load': {
      const t0 = performance.now();
      for (const [name, file] of Object.entries(request.bundles)) {
        const module = (await import(pathToFileURL(file).href)) as { handler: Handler };
        handlers.set(name, module.handler);
      }
      return { id: request.id, importMs: performance.now() - t0 };
    }
    case 'invoke': {
      const out = await timed(handlerNamed(request.handler), request.event);
      return { id: request.id, results: [out.result], wallMs: [out.wallMs], cpuMs: [out.cpuMs] };
    }
    case 'batch': {
      const handler = handlerNamed(request.handler);
      const reply = {
        id: request.id,
        results: [] as HttpResult[],
        wallMs: [] as number[],
        cpuMs: [] as number[],
      };
      for (const event of request.events) {
        const out = await timed(handler, event);
        reply.results.push(out.result);
        reply.wallMs.push(out.wallMs);
        reply.cpuMs.push(out.cpuMs);
      }
      return reply;
    }
    case 'load-run':
      return { id: request.id, load: await loadRun(request.flows, request.concurrency) };
    case 'calibrate':
      return { id: request.id, ...(await calibrate(request.url, request.count)) };
  }
}

process.on('message', (request: WorkerRequest) => {
  serve(request).then(
    (reply) => process.send?.(reply),
    (error: Error) => process.send?.({ id: request.id, error: `${error.name}: ${error.message}` }),
  );
});
process.on('disconnect', () => process.exit(0));
process.send?.({ id: 0, ready: true });
