// The preflight's findings, its documented exit codes and its two renderings (text for people, JSON for pipelines).

/** Exit codes of `npm run preflight`; documented in the README's deploy section. */
export const PREFLIGHT_EXIT = {
  /** Every check ran and passed: the stage can be deployed (or, after a deploy, works). */
  ready: 0,
  /** At least one check found something wrong; each finding says how to fix it. */
  notReady: 1,
  /** Nothing wrong was found, but at least one check could not run (no credentials, access denied, network). */
  couldNotCheck: 2,
} as const;

export type PreflightExit = (typeof PREFLIGHT_EXIT)[keyof typeof PREFLIGHT_EXIT];

/** `ok` passed, `fail` wrong (with a fix), `unchecked` could not be checked (with what to do), `info` context. */
export type FindingStatus = 'ok' | 'fail' | 'unchecked' | 'info';

/** One result of one check; never holds a secret value. */
export interface Finding {
  /** Stable id of the check, e.g. `api.authorizer.payload`. */
  readonly check: string;
  readonly status: FindingStatus;
  /** What was checked, e.g. `authorizer c0vpx0 on API a1b2c3d4e5`. */
  readonly subject: string;
  /** What was found. */
  readonly message: string;
  /** How to fix it (fail) or what to do to check it (unchecked). */
  readonly fix?: string;
}

export const ok = (check: string, subject: string, message: string): Finding => ({
  check,
  status: 'ok',
  subject,
  message,
});
export const fail = (check: string, subject: string, message: string, fix: string): Finding => ({
  check,
  status: 'fail',
  subject,
  message,
  fix,
});
export const info = (check: string, subject: string, message: string): Finding => ({
  check,
  status: 'info',
  subject,
  message,
});

/** 1 when anything is wrong, else 2 when anything could not be checked, else 0. */
export function exitCodeOf(findings: readonly Finding[]): PreflightExit {
  if (findings.some((f) => f.status === 'fail')) return PREFLIGHT_EXIT.notReady;
  if (findings.some((f) => f.status === 'unchecked')) return PREFLIGHT_EXIT.couldNotCheck;
  return PREFLIGHT_EXIT.ready;
}

export interface Report {
  readonly stage: string;
  readonly region: string;
  /** The account of the credentials used, when STS answered. */
  readonly account?: string;
  /** `first-deploy` before the stack exists, `deployed` after. */
  readonly phase: 'first-deploy' | 'deployed' | 'unknown';
  readonly findings: readonly Finding[];
}

const MARK: Record<FindingStatus, string> = { ok: 'ok  ', fail: 'FAIL', unchecked: '??  ', info: 'info' };

/** Plain text: one line a finding, its fix indented below, then a verdict. */
export function renderText(report: Report): string {
  const code = exitCodeOf(report.findings);
  const lines = [
    `Preflight of stage ${report.stage} in ${report.region}` +
      `${report.account ? `, account ${report.account}` : ''} (${report.phase})`,
    ...report.findings.flatMap((f) => [
      `${MARK[f.status]}  ${f.subject}: ${f.message}`,
      ...(f.fix ? [`      fix: ${f.fix}`] : []),
    ]),
  ];
  const failed = report.findings.filter((f) => f.status === 'fail').length;
  const unchecked = report.findings.filter((f) => f.status === 'unchecked').length;
  lines.push(
    code === PREFLIGHT_EXIT.ready
      ? 'Ready.'
      : code === PREFLIGHT_EXIT.notReady
        ? `Not ready: ${failed} finding(s) to fix${unchecked ? `, ${unchecked} check(s) could not run` : ''}.`
        : `Could not check everything: ${unchecked} check(s) could not run; nothing wrong found otherwise.`,
  );
  return `${lines.join('\n')}\n`;
}

/** JSON for pipelines: the report plus `ready` and `exitCode`. */
export function renderJson(report: Report): string {
  const exitCode = exitCodeOf(report.findings);
  return `${JSON.stringify({ ...report, ready: exitCode === PREFLIGHT_EXIT.ready, exitCode }, null, 2)}\n`;
}
