// parseArgs: subcommands, flags, and refusal of anything that would put a secret on the command line.
import { parseArgs } from '../../scripts/credentials/args';
import { CliError, EXIT } from '../../scripts/credentials/errors';

function usageError(argv: string[]): CliError {
  try {
    parseArgs(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    return error as CliError;
  }
  throw new Error('parseArgs accepted the arguments');
}

describe('parseArgs', () => {
  it('parses status, set, import and help', () => {
    expect(parseArgs(['status', '--stage', 'dev'])).toEqual({ kind: 'status', stage: 'dev' });
    expect(parseArgs(['set', 'google', '--stage=prod'])).toEqual({
      kind: 'set',
      stage: 'prod',
      target: 'google',
    });
    expect(parseArgs(['--stage', 'dev', 'set', 'stripe-webhook'])).toEqual({
      kind: 'set',
      stage: 'dev',
      target: 'stripe-webhook',
    });
    expect(parseArgs(['import', '--stage', 'dev', '--file', 'c.json'])).toEqual({
      kind: 'import',
      stage: 'dev',
      file: 'c.json',
      dryRun: false,
    });
    expect(parseArgs(['import', '--dry-run', '--stage', 'dev', '--file=c.json'])).toEqual({
      kind: 'import',
      stage: 'dev',
      file: 'c.json',
      dryRun: true,
    });
    expect(parseArgs(['--help'])).toEqual({ kind: 'help' });
  });

  it('maps set-webhook-secret stripe to the stripe-webhook target and refuses other providers', () => {
    expect(parseArgs(['set-webhook-secret', 'stripe', '--stage', 'dev'])).toEqual({
      kind: 'set',
      stage: 'dev',
      target: 'stripe-webhook',
    });
    expect(usageError(['set-webhook-secret', 'shopify', '--stage', 'dev']).message).toMatch(
      /supports one provider: stripe/,
    );
  });

  it.each([
    ['--client-secret=sup3r-s3cret-value'],
    ['--client-secret', 'sup3r-s3cret-value'],
    ['--clientSecret=sup3r-s3cret-value'],
    ['--secret=sup3r-s3cret-value'],
    ['--webhook-secret=sup3r-s3cret-value'],
    ['--client-id=sup3r-s3cret-value'],
    ['-password=sup3r-s3cret-value'],
  ])('refuses %s with a message about shell history, without echoing the value', (...flag) => {
    const error = usageError(['set', 'google', '--stage', 'dev', ...flag]);
    expect(error.exitCode).toBe(EXIT.usage);
    expect(error.message).toMatch(/shell history/);
    expect(error.message).not.toContain('sup3r-s3cret-value');
  });

  it('refuses extra positional arguments without echoing them (often a pasted secret)', () => {
    const error = usageError(['set', 'google', 'GOCSPX-pasted-secret', '--stage', 'dev']);
    expect(error.exitCode).toBe(EXIT.usage);
    expect(error.message).toMatch(/1 extra argument\(s\) refused \(not shown\)/);
    expect(error.message).not.toContain('GOCSPX-pasted-secret');
  });

  it.each([
    ['set', 'qXvRtLmNbWkZpYsH', '--stage', 'dev'],
    ['set', 'github', '--stage', 'dev'],
    ['set', 'sk_live_51Habcdef0123456789', '--stage', 'dev'],
    ['qXvRtLmNbWkZpYsH', '--stage', 'dev'],
    ['status', '--stage', 'dev', '--qXvRtLmNbWkZpYsH'],
  ])('never echoes an unknown word: %j', (...argv) => {
    const error = usageError(argv);
    expect(error.exitCode).toBe(EXIT.usage);
    expect(error.message).toMatch(/unknown (provider|subcommand|option) \(not shown/);
    const unknown = argv.find((a) => !['set', 'status', '--stage', 'dev'].includes(a)) as string;
    expect(error.message).not.toContain(unknown.replace(/^-+/, ''));
  });

  it('suggests the known name an unknown word is a typo of, without repeating the word', () => {
    const error = usageError(['set', 'gogle', '--stage', 'dev']);
    expect(error.message).toMatch(/unknown provider \(not shown.*did you mean "google"\?/);
    expect(error.message).not.toContain('gogle');
  });

  it.each([
    [[], /no subcommand/],
    [['rotate', '--stage', 'dev'], /unknown subcommand \(not shown/],
    [['status'], /status needs --stage/],
    [['status', '--stage'], /--stage needs a value/],
    [['status', '--stage', 'dev', '--dry-run'], /--dry-run does not apply to status/],
    [['set', '--stage', 'dev'], /set needs a provider/],
    [['import', '--stage', 'dev'], /import needs --file/],
    [['import', '--stage', 'dev', '--file', 'x', '--dry-run=yes'], /--dry-run takes no value/],
    [['status', '--stage', 'dev', '--verbose'], /unknown option \(not shown/],
  ])('rejects %j as a usage error', (argv, message) => {
    const error = usageError(argv as string[]);
    expect(error.exitCode).toBe(EXIT.usage);
    expect(error.message).toMatch(message as RegExp);
    expect(error.message).toMatch(/Usage: npm run credentials/);
  });
});
