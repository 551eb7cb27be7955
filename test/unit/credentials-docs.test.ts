// One source of truth: the tool's secret names match the stack's, and docs/credentials.md matches the settings.
import { readFileSync } from 'node:fs';
import { CLIENT_SECRET_KEYS, placeholderValue } from '../../lib/client-secrets';
import { loadSettings } from '../../lib/config';
import { STAGES } from '../../lib/stages';
import { PROVIDER_IDS } from '../../lambda/providers/registry';
import { classify } from '../../scripts/credentials/report';
import {
  GUIDE_END,
  GUIDE_FILE,
  GUIDE_START,
  formatted,
  renderGuide,
  withGuide,
} from '../../scripts/credentials/guide';
import { allTargets } from '../../scripts/credentials/targets';

describe('secret names', () => {
  it.each(Object.keys(STAGES))('are exactly the secrets the stack creates for stage %s', (stage) => {
    const { secretPrefix } = loadSettings(stage);
    const toolNames = allTargets(secretPrefix).flatMap((t) => t.fields.map((f) => f.secretName));
    expect([...toolNames].sort()).toEqual(CLIENT_SECRET_KEYS.map((k) => `${secretPrefix}/${k}`).sort());
  });

  it("classifies the stack's placeholder value as a placeholder", () => {
    for (const id of [...PROVIDER_IDS, 'stripe'])
      expect(classify(placeholderValue(id, 'dev'))).toBe('placeholder');
  });
});

describe('docs/credentials.md', () => {
  const doc = readFileSync(GUIDE_FILE, 'utf8');

  it('holds the guide generated from the current settings and registry (npm run credentials:docs)', () => {
    expect(formatted(withGuide(doc, renderGuide()))).toBe(doc);
  });

  it.each(Object.keys(STAGES))('lists every provider redirect URI of stage %s', (stage) => {
    const { apiUrl } = loadSettings(stage);
    for (const id of PROVIDER_IDS) {
      expect(doc).toMatch(
        new RegExp(`\\| ${stage} +\\| \`${apiUrl}/integrations/oauth/callback/${id}\` +\\|`),
      );
      expect(doc).toContain(`npm run credentials -- set ${id} --stage ${stage}`);
    }
  });

  it('renders redirect URIs from whatever stages are configured', () => {
    const stages = {
      qa: {
        apiUrl: 'https://api.qa.example.test',
        appUrl: 'https://app.qa.example.test',
        httpApiId: 'qaapi00001',
        authorizerId: 'abc123',
        eventBusName: 'qa',
        tablePrefix: 'qa-tables',
      },
    };
    const guide = renderGuide(stages);
    expect(guide.startsWith(GUIDE_START)).toBe(true);
    expect(guide.endsWith(GUIDE_END)).toBe(true);
    expect(guide).toContain('| qa | `https://api.qa.example.test/integrations/oauth/callback/shopify` |');
    expect(guide).toContain('| qa | `https://api.qa.example.test/integrations/webhooks/stripe` |');
    expect(guide).not.toContain('listbackup.ai');
  });

  it('refuses a document without markers', () => {
    expect(() => withGuide('# no markers', renderGuide())).toThrow(/markers/);
  });
});
