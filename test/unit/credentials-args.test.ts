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

  it('names an unknown provider only when it looks like a name', () => {
    expect(usageError(['set', 'github', '--stage', 'dev']).message).toMatch(
      /unknown provider "github": expected one of google, .*stripe-webhook/,
    );
    const pasted = usageError(['set', 'sk_live_51Habcdef0123456789', '--stage', 'dev']);
    expect(pasted.message).toMatch(/unknown provider \(not shown/);
    expect(pasted.message).not.toContain('sk_live_51Habcdef0123456789');
  });

  it.each([
    [[], /no subcommand/],
    [['rotate', '--stage', 'dev'], /unknown subcommand "rotate"/],
    [['status'], /status needs --stage/],
    [['status', '--stage'], /--stage needs a value/],
    [['status', '--stage', 'dev', '--dry-run'], /--dry-run does not apply to status/],
    [['set', '--stage', 'dev'], /set needs a provider/],
    [['import', '--stage', 'dev'], /import needs --file/],
    [['import', '--stage', 'dev', '--file', 'x', '--dry-run=yes'], /--dry-run takes no value/],
    [['status', '--stage', 'dev', '--verbose'], /unknown option "verbose"/],
  ])('rejects %j as a usage error', (argv, message) => {
    const error = usageError(argv as string[]);
    expect(error.exitCode).toBe(EXIT.usage);
    expect(error.message).toMatch(message as RegExp);
    expect(error.message).toMatch(/Usage: npm run credentials/);
  });
});
