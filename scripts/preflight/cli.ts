// Entry point of `npm run preflight -- --stage <s> [--json]`: real clients in the stage's region, exit code 0/1/2.
import { SettingsError, loadSettings } from '../../lib/config';
import { STAGES } from '../../lib/stages';
import { PREFLIGHT_USAGE, PreflightUsageError, parsePreflightArgs } from './args';
import { destroyClients, preflightClients } from './aws';
import { PREFLIGHT_EXIT, exitCodeOf, renderJson, renderText } from './findings';
import { preflight } from './run';

/** Runs the preflight for argv and returns the exit code; usage and settings errors are "could not check" (2). */
export async function main(
  argv: readonly string[],
  out: { write(text: string): unknown },
  err: { write(text: string): unknown },
): Promise<number> {
  let args;
  let settings;
  try {
    args = parsePreflightArgs(argv);
    if (args === 'help') {
      out.write(`${PREFLIGHT_USAGE}\n`);
      return PREFLIGHT_EXIT.ready;
    }
    settings = loadSettings(args.stage);
  } catch (error) {
    if (error instanceof PreflightUsageError || error instanceof SettingsError) {
      err.write(`error: ${error.message}\n${PREFLIGHT_USAGE}\n`);
      return PREFLIGHT_EXIT.couldNotCheck;
    }
    throw error;
  }
  const clients = preflightClients(settings.region);
  try {
    const report = await preflight(settings, STAGES, clients);
    out.write(args.json ? renderJson(report) : renderText(report));
    return exitCodeOf(report.findings);
  } finally {
    destroyClients(clients);
  }
}

if (require.main === module) {
  void main(process.argv.slice(2), process.stdout, process.stderr).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`error: unexpected ${(error as Error).name}: ${(error as Error).message}\n`);
      process.exitCode = PREFLIGHT_EXIT.couldNotCheck;
    },
  );
}
