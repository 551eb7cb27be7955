// The credentials tool's one error type and its documented exit codes (docs/credentials.md).

/** Exit codes of `npm run credentials`; documented in docs/credentials.md. */
export const EXIT = {
  ok: 0,
  /** `status`: at least one secret is missing, a placeholder or scheduled for deletion. */
  notReady: 1,
  /** Unknown subcommand, flag, provider or stage; a secret offered on the command line. */
  usage: 2,
  /** A value fails validation, the input or import file is malformed or incomplete. */
  invalidInput: 3,
  /** Secrets Manager refused or failed: missing permission, secret not deployed, no credentials. */
  aws: 4,
  /** A failure the tool did not anticipate (a bug or an unexpected SDK error); only its type and message are shown. */
  unexpected: 5,
  /** The operator pressed Ctrl-C at the prompt. */
  aborted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error meant for the operator: its message says what to do and never contains a secret value. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CliError';
  }
}
