// Shape validation, stdin parsing and import-file parsing: every problem named, no value ever quoted.
import { PROVIDER_IDS } from '../../lambda/providers/registry';
import { CliError, EXIT } from '../../scripts/credentials/errors';
import { targetOf, type TargetId } from '../../scripts/credentials/targets';
import {
  parseImportFile,
  parseJsonQuietly,
  parseStdinValues,
  validateValues,
} from '../../scripts/credentials/validate';
import { clientIdFor, clientSecret, webhookSecret } from './credentials-fixtures';

const target = (id: TargetId) => targetOf('app/oauth', id);

function thrown(fn: () => unknown): CliError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    return error as CliError;
  }
  throw new Error('no error thrown');
}

describe('validateValues', () => {
  it.each(PROVIDER_IDS)('accepts a documented %s client id with a secret', (id) => {
    expect(validateValues(target(id), { clientId: clientIdFor(id), clientSecret: clientSecret() })).toEqual(
      [],
    );
  });

  it.each(PROVIDER_IDS)(
    'rejects a %s client id of another shape, naming the hint but not the value',
    (id) => {
      const wrong = 'not-a-client-id!';
      const problems = validateValues(target(id), { clientId: wrong, clientSecret: clientSecret() });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(new RegExp(`^${id} clientId does not look like`));
      expect(problems.join()).not.toContain(wrong);
    },
  );

  it('checks Stripe client ids start with ca_', () => {
    expect(
      validateValues(target('stripe'), {
        clientId: 'pk_live_abcdefghijklmnopqrstu',
        clientSecret: clientSecret(),
      })[0],
    ).toMatch(/expected: starts with ca_/);
  });

  it.each([
    ['pk_test_51Habcdefghijklmnopqrstuv', /publishable key/],
    ['pk_live_51Habcdefghijklmnopqrstuv', /publishable key/],
    ['whsec_abcdefghijklmnopqrstuvwxyz012345', /webhook signing secret.*set stripe-webhook/],
  ])('refuses %s as the Stripe platform key, with the reason and without the value', (value, reason) => {
    const problems = validateValues(target('stripe'), {
      clientId: clientIdFor('stripe'),
      clientSecret: value,
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^stripe clientSecret /);
    expect(problems[0]).toMatch(reason);
    expect(problems[0]).not.toContain(value);
    expect(problems[0]).toMatch(/sk_live_|sk_test_/);
  });

  it('takes a Stripe secret or restricted key as the platform key', () => {
    for (const key of ['sk_test_51Habcdefghijklmnop', 'rk_live_51Habcdefghijklmnop']) {
      expect(
        validateValues(target('stripe'), { clientId: clientIdFor('stripe'), clientSecret: key }),
      ).toEqual([]);
    }
  });

  it('rejects a missing, whitespace-holding, placeholder, too short or too long secret', () => {
    const id = clientIdFor('box');
    const problemsOf = (secret: string | undefined) =>
      validateValues(target('box'), { clientId: id, clientSecret: secret });
    expect(problemsOf(undefined)).toEqual(['box clientSecret is missing']);
    expect(problemsOf('')).toEqual(['box clientSecret is missing']);
    expect(problemsOf('abcd efgh1234')[0]).toMatch(/whitespace/);
    expect(problemsOf('abcdefgh1234\n')[0]).toMatch(/whitespace/);
    expect(problemsOf('PLACEHOLDER:upload')[0]).toMatch(/placeholder/);
    expect(problemsOf('short')[0]).toMatch(/has 5 characters; expected 8-512/);
    expect(problemsOf('x'.repeat(513))[0]).toMatch(/has 513 characters/);
    expect(problemsOf('pässwörd-1234')[0]).toMatch(/printable ASCII/);
  });

  it('collects problems of both fields at once', () => {
    expect(validateValues(target('dropbox'), { clientId: 'UPPER', clientSecret: '' })).toHaveLength(2);
  });

  it('accepts whsec_ webhook secrets and rejects others', () => {
    expect(validateValues(target('stripe-webhook'), { webhookSecret: webhookSecret() })).toEqual([]);
    const problems = validateValues(target('stripe-webhook'), {
      webhookSecret: 'sk_live_abcdefghijklmnopqrstuvwxyz',
    });
    expect(problems[0]).toMatch(
      /stripe-webhook webhookSecret does not look like a Stripe webhook signing secret: it starts with whsec_/,
    );
    expect(problems[0]).not.toContain('sk_live');
    expect(validateValues(target('stripe-webhook'), { webhookSecret: 'whsec_short' })).toHaveLength(1);
  });
});

describe('parseStdinValues', () => {
  it('reads two lines (CRLF too) or a JSON object', () => {
    const id = clientIdFor('google');
    const secret = clientSecret();
    expect(parseStdinValues(target('google'), `${id}\n${secret}\n`)).toEqual({
      clientId: id,
      clientSecret: secret,
    });
    expect(parseStdinValues(target('google'), `${id}\r\n${secret}\r\n`)).toEqual({
      clientId: id,
      clientSecret: secret,
    });
    expect(
      parseStdinValues(target('google'), JSON.stringify({ clientId: id, clientSecret: secret })),
    ).toEqual({ clientId: id, clientSecret: secret });
    const wh = webhookSecret();
    expect(parseStdinValues(target('stripe-webhook'), `${wh}\n`)).toEqual({ webhookSecret: wh });
  });

  it('rejects empty input, a wrong number of lines and broken JSON without quoting it', () => {
    const secret = clientSecret();
    expect(thrown(() => parseStdinValues(target('google'), '')).message).toMatch(
      /no input on stdin.*LISTBACKUP_CLIENT_ID/,
    );
    const lines = thrown(() => parseStdinValues(target('google'), `${secret}\n`));
    expect(lines.message).toMatch(/stdin has 1 line\(s\); expected 2: clientId, then clientSecret/);
    expect(lines.exitCode).toBe(EXIT.invalidInput);
    const json = thrown(() =>
      parseStdinValues(target('google'), `{"clientId": "x", "clientSecret": "${secret}",}`),
    );
    expect(json.message).toMatch(/stdin is not valid JSON/);
    expect(json.message).not.toContain(secret);
  });
});

describe('parseJsonQuietly', () => {
  it("reports the position of a syntax error but never V8's quote of the input", () => {
    const secret = clientSecret();
    const error = thrown(() => parseJsonQuietly(`{"a": "${secret}" "b"}`, 'the file'));
    expect(error.message).toMatch(/^the file is not valid JSON \(near character \d+\)$/);
  });
});

describe('parseImportFile', () => {
  const of = (id: TargetId) => target(id);

  it('returns every entry when all are valid', () => {
    const file = {
      google: { clientId: clientIdFor('google'), clientSecret: clientSecret() },
      stripe: { clientId: clientIdFor('stripe'), clientSecret: clientSecret() },
      'stripe-webhook': { webhookSecret: webhookSecret() },
    };
    expect(parseImportFile(JSON.stringify(file), of)).toEqual([
      { target: 'google', values: file.google },
      { target: 'stripe', values: file.stripe },
      { target: 'stripe-webhook', values: file['stripe-webhook'] },
    ]);
  });

  it('lists every problem of every entry at once, never a value', () => {
    const secrets = [clientSecret(), clientSecret()];
    const file = {
      google: { clientId: 'wrong', clientSecret: secrets[0] },
      github: { clientId: 'x', clientSecret: secrets[1] },
      hubspot: { clientId: clientIdFor('hubspot') },
      box: 'not an object',
      keap: { clientId: clientIdFor('keap'), clientSecret: 42, [secrets[1]]: 'oops' },
    };
    const error = thrown(() => parseImportFile(JSON.stringify(file), of));
    expect(error.exitCode).toBe(EXIT.invalidInput);
    expect(error.message).toMatch(/google clientId does not look like a Google client id/);
    expect(error.message).toMatch(/unknown provider \(not shown/);
    expect(error.message).not.toContain('github');
    expect(error.message).toMatch(/hubspot clientSecret is missing/);
    expect(error.message).toMatch(/box: must be an object/);
    expect(error.message).toMatch(/keap: clientSecret must be a string/);
    expect(error.message).toMatch(/keap: unknown key \(not shown/);
    for (const s of secrets) expect(error.message).not.toContain(s);
  });

  it.each([
    ['[]', /must hold a JSON object keyed by provider/],
    ['"text"', /must hold a JSON object/],
    ['{}', /names no provider/],
    ['{"google": ', /not valid JSON/],
  ])('rejects %s', (text, message) => {
    expect(thrown(() => parseImportFile(text, of)).message).toMatch(message);
  });
});
