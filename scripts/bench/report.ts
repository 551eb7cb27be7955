// The benchmark's output: markdown collected for docs/performance.md, progress lines on stderr, the machine line.
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const out: string[] = [];

/** One line of the report (printed and kept for `--write`). */
export function print(text = ''): void {
  out.push(text);
  console.log(text);
}

/** A progress line on stderr, not part of the report. */
export function progress(text: string): void {
  process.stderr.write(`bench: ${text}\n`);
}

export function machine(): string {
  const model = cpus()[0]?.model ?? 'unknown';
  let cpuInfo = model;
  try {
    cpuInfo = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.+)$/m)?.[1] ?? model;
  } catch {
    // not Linux: the os module's model name is all there is
  }
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ');
  return `${cpus().length} cores (${cpuInfo}), ${process.platform}/${process.arch}, load average ${load} (1/5/15 min) at the start`;
}

/** Replaces the results between the markers of docs/performance.md, formatted as `npm run lint` expects. */
export async function writeDoc(): Promise<void> {
  const doc = path.join(ROOT, 'docs', 'performance.md');
  const begin = '<!-- bench:begin -->';
  const end = '<!-- bench:end -->';
  const text = readFileSync(doc, 'utf8');
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error(`docs/performance.md lacks the ${begin} / ${end} markers`);
  const updated = `${text.slice(0, a + begin.length)}\n\n${out.join('\n')}\n\n${text.slice(b)}`;
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig(doc)) ?? {};
  writeFileSync(doc, await prettier.format(updated, { ...options, filepath: doc }));
  progress('docs/performance.md updated');
}
