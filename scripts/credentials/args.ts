// Command-line parsing of `npm run credentials -- <subcommand>`: pure, and never echoes what might be a secret.
import { CliError, EXIT } from './errors';
import { SIGNING_SECRETS, TARGET_IDS, isTargetId, webhookTargetId, type TargetId } from './targets';
import { nameOrHidden } from './validate';

export type Command =
  | { kind: 'help' }
  | { kind: 'status'; stage: string }
  | { kind: 'set'; stage: string; target: TargetId }
  | { kind: 'import'; stage: string; file: string; dryRun: boolean };

export const USAGE = `Usage: npm run credentials -- <subcommand> [options]

  status --stage <stage>                   which secrets are present, placeholders or missing (never values)
  set <provider> --stage <stage>           upload one provider's client id and client secret
${SIGNING_SECRETS.map(
  ({ provider, secret }) =>
    `  ${`set ${webhookTargetId(provider)} --stage <stage>`.padEnd(39)}  upload the ${secret.label} (alias: set-webhook-secret ${provider})\n`,
).join(
  '',
)}  import --stage <stage> --file <json>     upload several providers at once; --dry-run shows what would change

Providers: ${TARGET_IDS.join(', ')}
Values come from a hidden prompt (terminal), stdin (one a line, or JSON), or LISTBACKUP_CLIENT_ID /
LISTBACKUP_CLIENT_SECRET / LISTBACKUP_WEBHOOK_SECRET; never from arguments (shell history keeps them).
Exit codes: 0 ok, 1 not ready (status), 2 usage, 3 invalid input, 4 AWS error, 5 unexpected, 130 aborted.`;

/** Flags that would put a value on the command line, where shell history and `ps` keep it. */
const VALUE_FLAG =
  /^--?(client[-_]?(id|secret)|secret|webhook[-_]?secret|signing[-_]?secret|password|token|value|key)$/i;

const FLAGS: Record<string, { takesValue: boolean; subcommands: readonly string[] }> = {
  '--stage': { takesValue: true, subcommands: ['status', 'set', 'import'] },
  '--file': { takesValue: true, subcommands: ['import'] },
  '--dry-run': { takesValue: false, subcommands: ['import'] },
};

const SUBCOMMANDS = ['status', 'set', 'import'];

function usage(message: string): CliError {
  return new CliError(`${message}\n\n${USAGE}`, EXIT.usage);
}

/**
 * Parses the arguments after `--`.
 * @example parseArgs(['set', 'google', '--stage', 'dev']) // { kind: 'set', stage: 'dev', target: 'google' }
 */
export function parseArgs(argv: readonly string[]): Command {
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') return { kind: 'help' };
    if (!arg.startsWith('-')) {
      positionals.push(arg);
      continue;
    }
    const [name, inline] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg, undefined];
    if (VALUE_FLAG.test(name)) {
      throw new CliError(
        `${name} is refused: secrets are never taken from the command line, where shell history and the process list keep them. ` +
          'Run without it to be prompted (hidden input), pipe the values on stdin, or set LISTBACKUP_CLIENT_ID / ' +
          'LISTBACKUP_CLIENT_SECRET (LISTBACKUP_WEBHOOK_SECRET). If you typed a secret, clear it from your shell history ' +
          'and consider rotating it.',
        EXIT.usage,
      );
    }
    const spec = FLAGS[name];
    if (!spec)
      throw usage(
        `unknown option ${nameOrHidden(
          name.replace(/^-+/, ''),
          Object.keys(FLAGS).map((f) => f.slice(2)),
        )}`,
      );
    if (spec.takesValue) {
      const value = inline ?? argv[i + 1];
      if (inline === undefined) i += 1;
      if (value === undefined || value === '' || value.startsWith('-')) throw usage(`${name} needs a value`);
      flags.set(name, value);
    } else {
      if (inline !== undefined) throw usage(`${name} takes no value`);
      flags.set(name, true);
    }
  }

  let [subcommand, ...rest] = positionals;
  if (subcommand === undefined) throw usage('no subcommand given');
  if (subcommand === 'set-webhook-secret') {
    const signing = SIGNING_SECRETS.map((s) => s.provider);
    const provider = signing.find((p) => p === rest[0]);
    if (!provider)
      throw usage(
        `set-webhook-secret supports ${signing.length === 1 ? 'one provider' : 'the providers'}: ${signing.join(', ')}`,
      );
    subcommand = 'set';
    rest = [webhookTargetId(provider), ...rest.slice(1)];
  }
  if (!SUBCOMMANDS.includes(subcommand))
    throw usage(`unknown subcommand ${nameOrHidden(subcommand, SUBCOMMANDS)}`);
  for (const name of flags.keys()) {
    if (!FLAGS[name].subcommands.includes(subcommand)) throw usage(`${name} does not apply to ${subcommand}`);
  }
  const expectedPositionals = subcommand === 'set' ? 1 : 0;
  if (rest.length > expectedPositionals) {
    // Not echoed: an extra argument is often a value pasted where it must not go.
    throw usage(
      `${subcommand} takes ${expectedPositionals === 1 ? 'one provider' : 'no arguments'}; ${rest.length - expectedPositionals} extra argument(s) refused (not shown). Never pass secrets as arguments.`,
    );
  }
  const stage = flags.get('--stage');
  if (typeof stage !== 'string') throw usage(`${subcommand} needs --stage <stage>`);

  if (subcommand === 'status') return { kind: 'status', stage };
  if (subcommand === 'set') {
    const target = rest[0];
    if (target === undefined) throw usage('set needs a provider');
    if (!isTargetId(target))
      throw usage(
        `unknown provider ${nameOrHidden(target, TARGET_IDS)}: expected one of ${TARGET_IDS.join(', ')}`,
      );
    return { kind: 'set', stage, target };
  }
  const file = flags.get('--file');
  if (typeof file !== 'string') throw usage('import needs --file <json>');
  return { kind: 'import', stage, file, dryRun: flags.get('--dry-run') === true };
}
