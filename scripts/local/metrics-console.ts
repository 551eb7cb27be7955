// `npm start`: the metric lines the handlers emit (CloudWatch embedded metric format) shown readably in the console.

interface EmfBlob {
  _aws?: { CloudWatchMetrics?: { Dimensions?: string[][]; Metrics?: { Name: string; Unit?: string }[] }[] };
  [key: string]: unknown;
}

/** Dimensions every metric has; left out of the readable line. */
const COMMON = new Set(['service', 'stage']);

/**
 * The readable form of one EMF line, e.g. `metric Callback +1  provider=google outcome=pending  (flow_x)`;
 * undefined for any other line (log lines pass unchanged).
 */
export function formatMetricLine(line: string): string | undefined {
  if (!line.startsWith('{') || !line.includes('"CloudWatchMetrics"')) return undefined;
  let blob: EmfBlob;
  try {
    blob = JSON.parse(line) as EmfBlob;
  } catch {
    return undefined;
  }
  const directives = blob._aws?.CloudWatchMetrics;
  if (!Array.isArray(directives)) return undefined;
  const parts: string[] = [];
  for (const directive of directives) {
    const dims = [...new Set((directive.Dimensions ?? []).flat())].filter((d) => !COMMON.has(d));
    const where = dims.map((d) => `${d}=${String(blob[d])}`).join(' ');
    for (const metric of directive.Metrics ?? []) {
      const value = blob[metric.Name];
      const shown = metric.Unit === 'Milliseconds' ? `${String(value)} ms` : `+${String(value)}`;
      parts.push(`metric ${metric.Name} ${shown}${where ? `  ${where}` : ''}`);
    }
  }
  const flow = typeof blob.flowId === 'string' ? `  (${blob.flowId})` : '';
  return parts.map((p) => `${p}${flow}`).join('\n');
}

/** Rewrites the EMF lines in one chunk of output; everything else is kept byte for byte. */
export function readableChunk(chunk: string): string {
  if (!chunk.includes('"CloudWatchMetrics"')) return chunk;
  return chunk
    .split('\n')
    .map((line) => formatMetricLine(line) ?? line)
    .join('\n');
}

/**
 * Shows the handlers' metric lines readably on this process's stdout (the bundles run in-process and
 * write through Powertools' console, which writes to process.stdout).
 */
export function showMetricsReadably(stream: NodeJS.WriteStream = process.stdout): void {
  const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) =>
    write(typeof chunk === 'string' ? readableChunk(chunk) : chunk, ...rest)) as typeof stream.write;
}
