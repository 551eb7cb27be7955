// The subcommands: status, set and import, driven through injected streams and a secret store.
import { SettingsError, loadSettings, type StageSettings } from '../../lib/config';
import { accountProblem } from '../../lib/stage-rules';
import { USAGE, parseArgs, type Command } from './args';
import { CliError, EXIT, type ExitCode } from './errors';
import { readValues, type Io } from './input';
import {
  fingerprint,
  notReady,
  planChange,
  renderPlan,
  renderStatusTable,
  type PlannedChange,
} from './report';
import { notDeployedAdvice, type SecretStore, type StoreContext } from './secret-store';
import { secretStatuses } from './status';
import { targetOf, type TargetId } from './targets';
import { assertValid, parseImportFile, stripeModeProblems, validateValues, type Values } from './validate';

/** Everything the tool touches from outside: streams, environment, files, and Secrets Manager. */
export interface Deps extends Io {
  /** A store for the stage's region. */
  store(context: StoreContext): SecretStore;
  readFile(path: string): Promise<string>;
  /** File mode bits, to warn about an import file others can read; undefined when unknown. */
  fileMode(path: string): Promise<number | undefined>;
  /** The account of the operator's credentials (STS); when given, a stage's secrets are touched only from its account. */
  callerAccount?(region: string): Promise<string>;
}

/** One value to write: target, secret name and the value, which stays inside this module. */
interface Desired {
  target: TargetId;
  secretName: string;
  value: string;
}

function settingsOf(stage: string): StageSettings {
  try {
    return loadSettings(stage);
  } catch (error) {
    if (error instanceof SettingsError) throw new CliError(error.message, EXIT.usage, { cause: error });
    throw error;
  }
}

/** Refuses to touch a stage's secrets with another account's credentials (lib/stage-rules.ts accountProblem). */
async function assertAccount(settings: StageSettings, deps: Deps): Promise<void> {
  if (!deps.callerAccount) return;
  let account: string;
  try {
    account = await deps.callerAccount(settings.region);
  } catch (error) {
    throw new CliError(
      `cannot tell which account your credentials are for (sts:GetCallerIdentity): ${(error as Error).message}`,
      EXIT.aws,
      { cause: error },
    );
  }
  const problem = accountProblem(settings, account);
  if (problem) throw new CliError(`${problem}. Nothing was read or written.`, EXIT.aws);
}

function contextOf(settings: StageSettings): StoreContext {
  return {
    stage: settings.stage,
    region: settings.region,
    importClientSecrets: settings.importClientSecrets,
  };
}

async function status(stage: string, deps: Deps): Promise<ExitCode> {
  const settings = settingsOf(stage);
  await assertAccount(settings, deps);
  const store = deps.store(contextOf(settings));
  const rows = await secretStatuses(settings.secretPrefix, store);
  deps.stdout.write(
    `Stage ${settings.stage} (${settings.region}), prefix ${settings.secretPrefix}\n${renderStatusTable(rows)}\n`,
  );
  const pending = notReady(rows);
  if (pending.length === 0) {
    deps.stdout.write('All client credentials are ready.\n');
    return EXIT.ok;
  }
  deps.stdout.write(
    `Not ready: ${pending.join(', ')}\nUpload with: npm run credentials -- set <provider> --stage ${settings.stage}\n`,
  );
  return EXIT.notReady;
}

function desiredOf(prefix: string, id: TargetId, values: Values): Desired[] {
  return targetOf(prefix, id).fields.map((f) => ({
    target: id,
    secretName: f.secretName,
    value: values[f.key] as string,
  }));
}

/** Reads every target secret, refuses if any is missing (nothing written), and plans by comparing hashes. */
async function plan(
  store: SecretStore,
  context: StoreContext,
  desired: readonly Desired[],
): Promise<PlannedChange[]> {
  const current = await Promise.all(desired.map((d) => store.read(d.secretName)));
  const missing = desired.filter((_, i) => current[i] === undefined).map((d) => d.secretName);
  if (missing.length > 0)
    throw new CliError(`${notDeployedAdvice(missing, context)}\nNothing was written.`, EXIT.aws);
  return desired.map((d, i) =>
    planChange(d.target, d.secretName, fingerprint(current[i] as string), fingerprint(d.value)),
  );
}

/** Writes the changed secrets one after another, reporting progress without values. */
async function apply(
  store: SecretStore,
  desired: readonly Desired[],
  changes: readonly PlannedChange[],
  deps: Deps,
): Promise<void> {
  let written = 0;
  for (const [i, change] of changes.entries()) {
    if (change.action === 'unchanged') continue;
    try {
      await store.write(change.secretName, desired[i].value);
    } catch (error) {
      if (error instanceof CliError && written > 0) {
        throw new CliError(
          `${error.message}\n${written} secret(s) were written before this failure; run the command again after fixing it.`,
          error.exitCode,
          { cause: error },
        );
      }
      throw error;
    }
    written += 1;
  }
  deps.stdout.write(`${renderPlan(changes, true)}\n`);
}

async function set(stage: string, id: TargetId, deps: Deps): Promise<ExitCode> {
  const settings = settingsOf(stage);
  await assertAccount(settings, deps);
  const target = targetOf(settings.secretPrefix, id);
  const values = await readValues(target, deps);
  assertValid([...validateValues(target, values), ...stripeModeProblems(settings, id, values)]);
  const context = contextOf(settings);
  const store = deps.store(context);
  const desired = desiredOf(settings.secretPrefix, id, values);
  const changes = await plan(store, context, desired);
  await apply(store, desired, changes, deps);
  deps.stderr.write(`${target.displayName} credentials for stage ${settings.stage} are uploaded.\n`);
  return EXIT.ok;
}

async function importFile(stage: string, file: string, dryRun: boolean, deps: Deps): Promise<ExitCode> {
  const settings = settingsOf(stage);
  await assertAccount(settings, deps);
  let text: string;
  try {
    text = await deps.readFile(file);
  } catch (error) {
    throw new CliError(
      `cannot read ${file}: ${(error as { code?: string }).code ?? (error as Error).message}`,
      EXIT.invalidInput,
      { cause: error },
    );
  }
  const mode = await deps.fileMode(file);
  if (mode !== undefined && (mode & 0o077) !== 0) {
    deps.stderr.write(
      `warning: ${file} is readable by other users; delete it (or chmod 600) once imported\n`,
    );
  }
  const entries = parseImportFile(text, (id) => targetOf(settings.secretPrefix, id));
  assertValid(entries.flatMap((e) => stripeModeProblems(settings, e.target, e.values)));
  const context = contextOf(settings);
  const store = deps.store(context);
  const desired = entries.flatMap((e) => desiredOf(settings.secretPrefix, e.target, e.values));
  const changes = await plan(store, context, desired);
  if (dryRun) {
    deps.stdout.write(
      `Dry run for stage ${settings.stage} (${settings.region}); nothing written.\n${renderPlan(changes, false)}\n`,
    );
    return EXIT.ok;
  }
  await apply(store, desired, changes, deps);
  return EXIT.ok;
}

function run(command: Command, deps: Deps): Promise<ExitCode> {
  switch (command.kind) {
    case 'help':
      deps.stdout.write(`${USAGE}\n`);
      return Promise.resolve(EXIT.ok);
    case 'status':
      return status(command.stage, deps);
    case 'set':
      return set(command.stage, command.target, deps);
    case 'import':
      return importFile(command.stage, command.file, command.dryRun, deps);
  }
}

/**
 * Runs the tool and returns its exit code; errors are reported on stderr without values.
 * @example process.exitCode = await main(process.argv.slice(2), nodeDeps())
 */
export async function main(argv: readonly string[], deps: Deps): Promise<ExitCode> {
  try {
    return await run(parseArgs(argv), deps);
  } catch (error) {
    if (error instanceof CliError) {
      deps.stderr.write(`error: ${error.message}\n`);
      return error.exitCode;
    }
    // An unexpected failure: its type and message only (no stack with local state, no request dump).
    deps.stderr.write(`error: unexpected ${(error as Error).name ?? 'error'}: ${(error as Error).message}\n`);
    return EXIT.unexpected;
  }
}
