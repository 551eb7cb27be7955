// One cold start: a fresh `node` imports a handler bundle, serves one invocation and exits (spawned by run.ts).
import { pathToFileURL } from 'node:url';

const { BENCH_BUNDLE, BENCH_EVENT, BENCH_EXPECT } = process.env;
const { handler } = (await import(pathToFileURL(BENCH_BUNDLE as string).href)) as {
  handler: (
    event: unknown,
  ) => Promise<{ statusCode?: number; headers?: Record<string, string>; body?: string }>;
};
// Without BENCH_EVENT the child only imports the bundle: the import's share of a cold start.
if (BENCH_EVENT) {
  const result = await handler(JSON.parse(BENCH_EVENT));
  // An HTTP handler's status, redirect and body; token-access answers a plain object.
  const seen =
    result.statusCode === undefined
      ? JSON.stringify(result)
      : `${result.statusCode} ${result.headers?.location ?? ''} ${result.body ?? ''}`;
  if (!seen.includes(BENCH_EXPECT as string)) {
    process.stderr.write(`cold invocation answered ${result.statusCode}, expected ${BENCH_EXPECT}\n`);
    process.exit(1);
  }
}
const cpu = process.cpuUsage();
process.stderr.write(`cpu=${(cpu.user + cpu.system) / 1000}\n`);
process.exit(0);
