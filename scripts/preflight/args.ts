// Command line of `npm run preflight -- --stage <s> [--json]`.

export interface PreflightArgs {
  readonly stage: string;
  readonly json: boolean;
}

export const PREFLIGHT_USAGE = `Usage: npm run preflight -- --stage <stage> [--json]

Checks with read-only AWS calls (the default credential chain) whether a stage can be deployed, and after a
deploy whether it works. Exit codes: 0 ready, 1 not ready (each finding says how to fix it), 2 could not check.`;

export class PreflightUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PreflightUsageError';
  }
}

/** Parses the arguments; `help` when asked for usage. Throws PreflightUsageError naming the bad argument. */
export function parsePreflightArgs(argv: readonly string[]): PreflightArgs | 'help' {
  let stage: string | undefined;
  let json = false;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return 'help';
    if (arg === '--json') json = true;
    else if (arg === '--stage') {
      stage = argv[i + 1];
      i += 1;
      if (!stage || stage.startsWith('--')) throw new PreflightUsageError('--stage needs a stage name');
    } else if (arg.startsWith('--stage=')) stage = arg.slice('--stage='.length);
    else throw new PreflightUsageError(`unknown argument "${arg}"`);
  }
  if (!stage) throw new PreflightUsageError('--stage <stage> is required');
  return { stage, json };
}
