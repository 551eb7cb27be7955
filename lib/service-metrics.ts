// CloudWatch metrics of the stack, built only from lambda/metrics/names.ts: a series the handlers never publish cannot be named.
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { METRICS, METRICS_NAMESPACE, type MetricDimension, type MetricKey } from '../lambda/metrics/names';
import { SERVICE_NAME } from './handler-function';

export interface SeriesOptions {
  /** Dimension values besides service and stage; their names must form one of the metric's dimension sets. */
  readonly dimensions?: Partial<Record<MetricDimension, string>>;
  readonly statistic?: string;
  readonly period?: Duration;
  readonly label?: string;
}

/** The metrics of one stage. */
export class ServiceMetrics {
  constructor(private readonly stage: string) {}

  /**
   * One series of a service metric.
   * @throws Error when the dimensions are not a set the code publishes, or an outcome is not one it emits
   * @example metrics.series('callback', { dimensions: { provider: 'box', outcome: 'pending' } })
   */
  series(key: MetricKey, options: SeriesOptions = {}): cloudwatch.Metric {
    const spec = METRICS[key];
    const dims = options.dimensions ?? {};
    const names = Object.keys(dims).sort().join(',');
    const published = spec.dimensionSets.map((set) => [...set].sort().join(','));
    if (!published.includes(names)) {
      throw new Error(
        `${spec.name} is not published with dimensions [${names}] (sets: ${published.join(' | ')})`,
      );
    }
    const outcomes = 'outcomes' in spec ? (spec.outcomes as readonly string[]) : undefined;
    if (dims.outcome !== undefined && !outcomes?.includes(dims.outcome)) {
      throw new Error(`${spec.name} has no outcome ${dims.outcome}`);
    }
    return new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName: spec.name,
      dimensionsMap: { service: SERVICE_NAME, stage: this.stage, ...dims },
      statistic: options.statistic ?? (spec.unit === 'Milliseconds' ? 'p50' : 'Sum'),
      period: options.period ?? Duration.minutes(5),
      label: options.label,
    });
  }
}
