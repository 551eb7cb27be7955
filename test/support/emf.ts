// Reads CloudWatch embedded-metric lines (Powertools Metrics output) out of captured stdout.

export interface EmfPoint {
  name: string;
  unit: string;
  value: number;
  namespace: string;
  /** Dimension sets as published, each as name -> value. */
  dimensionSets: Record<string, string>[];
  metadata: Record<string, unknown>;
}

/** Every metric data point in the captured text, in order; other lines (logs) are skipped. */
export function emfPoints(text: string): EmfPoint[] {
  const points: EmfPoint[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{') || !line.includes('"CloudWatchMetrics"')) continue;
    const blob = JSON.parse(line) as Record<string, unknown> & {
      _aws: {
        CloudWatchMetrics: {
          Namespace: string;
          Dimensions: string[][];
          Metrics: { Name: string; Unit: string }[];
        }[];
      };
    };
    for (const directive of blob._aws.CloudWatchMetrics) {
      const dimensionNames = new Set(directive.Dimensions.flat());
      const metricNames = new Set(directive.Metrics.map((m) => m.Name));
      const metadata = Object.fromEntries(
        Object.entries(blob).filter(([k]) => k !== '_aws' && !dimensionNames.has(k) && !metricNames.has(k)),
      );
      for (const metric of directive.Metrics) {
        points.push({
          name: metric.Name,
          unit: metric.Unit,
          value: blob[metric.Name] as number,
          namespace: directive.Namespace,
          dimensionSets: directive.Dimensions.map((set) =>
            Object.fromEntries(set.map((d) => [d, String(blob[d])])),
          ),
          metadata,
        });
      }
    }
  }
  return points;
}

/** The points of one metric name. */
export function pointsOf(text: string, name: string): EmfPoint[] {
  return emfPoints(text).filter((p) => p.name === name);
}
