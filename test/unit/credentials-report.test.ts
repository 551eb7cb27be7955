// Status classification, the tables and hash-based change plans.
import {
  classify,
  fingerprint,
  notReady,
  planChange,
  renderPlan,
  renderStatusTable,
} from '../../scripts/credentials/report';

describe('classify', () => {
  it('tells present, placeholder, missing and deleted apart', () => {
    expect(classify('GOCSPX-real')).toBe('present');
    expect(classify('PLACEHOLDER: upload with npm run credentials -- set google --stage dev')).toBe(
      'placeholder',
    );
    expect(classify('')).toBe('placeholder');
    expect(classify(undefined)).toBe('missing');
    expect(classify(undefined, true)).toBe('scheduled for deletion');
  });
});

describe('renderStatusTable', () => {
  it('aligns one row a secret with its date in UTC, a dash when unknown', () => {
    const table = renderStatusTable([
      {
        target: 'google',
        secretName: 'app/oauth/google/client_id',
        state: 'present',
        lastChanged: new Date('2026-11-20T10:12:59Z'),
      },
      { target: 'stripe-webhook', secretName: 'app/oauth/stripe/webhook_secret', state: 'missing' },
    ]);
    expect(table.split('\n')).toEqual([
      'PROVIDER        SECRET                           STATE    LAST CHANGED',
      'google          app/oauth/google/client_id       present  2026-11-20 10:12 UTC',
      'stripe-webhook  app/oauth/stripe/webhook_secret  missing  -',
    ]);
  });

  it('lists targets not ready once each, in order', () => {
    expect(
      notReady([
        { target: 'google', secretName: 'a', state: 'present' },
        { target: 'box', secretName: 'b', state: 'placeholder' },
        { target: 'box', secretName: 'c', state: 'missing' },
        { target: 'stripe-webhook', secretName: 'd', state: 'scheduled for deletion' },
      ]),
    ).toEqual(['box', 'stripe-webhook']);
  });
});

describe('change plans', () => {
  it('compares SHA-256 fingerprints', () => {
    expect(fingerprint('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(planChange('box', 'n', fingerprint('a'), fingerprint('a')).action).toBe('unchanged');
    expect(planChange('box', 'n', fingerprint('a'), fingerprint('b')).action).toBe('would create version');
  });

  it('renders a dry run and a result', () => {
    const changes = [
      planChange('box', 'app/oauth/box/client_id', 'x', 'y'),
      planChange('box', 'app/oauth/box/client_secret', 'x', 'x'),
    ];
    expect(renderPlan(changes, false)).toMatch(
      /box\s+app\/oauth\/box\/client_id\s+would create version\n.*client_secret\s+unchanged$/,
    );
    expect(renderPlan(changes, true)).toMatch(/client_id\s+version created/);
  });
});
