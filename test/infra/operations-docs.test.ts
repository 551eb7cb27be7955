// The README's operations section matches the code: every metric of the list and every alarm of the stack has its row.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { METRICS } from '../../lambda/metrics/names';
import { synthStage } from './synth';

const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('## Operations'), readme.indexOf('## Testing'));

it('lists every metric in the metric table', () => {
  for (const spec of Object.values(METRICS))
    expect([spec.name, section.includes(`| \`${spec.name}\``)]).toEqual([spec.name, true]);
});

it('has a runbook row for every alarm of the stack', () => {
  const { template } = synthStage('fixed');
  const keys = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) =>
    String(a.Properties.AlarmName).replace('listbackup-integrations-fixed-', ''),
  );
  const rows = new Set([...section.matchAll(/^\| `([a-z<>-]+)`/gm)].map((m) => m[1]));
  for (const key of keys) {
    const row = key
      .replace(
        /^(oauth-start|oauth-callback|oauth-complete|token-access|connection-refresher|connection-disconnect|webhooks|cors-preflight)-(?=(errors|throttles)$)/,
        '<function>-',
      )
      .replace(/^callback-faults-[a-z]+$/, 'callback-faults-<provider>');
    expect([key, rows.has(row)]).toEqual([key, true]);
  }
});
