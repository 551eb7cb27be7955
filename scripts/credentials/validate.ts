// Shape checks of uploaded values and parsing of stdin and import files; messages name fields, never values.
import { PROVIDERS, isProviderId } from '../../lambda/providers/registry';
import { PLACEHOLDER_PREFIX } from '../../lambda/store/client-credentials';
import { CliError, EXIT } from './errors';
import {
  TARGET_IDS,
  isTargetId,
  webhookTargetId,
  type Field,
  type FieldKey,
  type Target,
  type TargetId,
} from './targets';

export type Values = Partial<Record<FieldKey, string>>;

/** Bounds of a client secret: none of the nine providers documents one shorter or longer. */
export const SECRET_LENGTH = { min: 8, max: 512 } as const;

/** Stripe values that are not a platform (secret) key, with what they are. */
const STRIPE_WRONG_KEYS = [
  {
    pattern: /^pk_(live|test)_/,
    what: 'a publishable key, which any browser may see and cannot act on accounts',
  },
  {
    pattern: /^whsec_/,
    what: `a webhook signing secret: upload that with \`set ${webhookTargetId('stripe')}\``,
  },
] as const;

/** Problems of one value, each naming the target and field but never the value. */
export function fieldProblems(target: Target, field: Field, value: string | undefined): string[] {
  const where = `${target.id} ${field.key}`;
  if (value === undefined || value === '') return [`${where} is missing`];
  if (/\s/.test(value)) return [`${where} contains whitespace (a stray space or line break from copying?)`];
  if (value.startsWith(PLACEHOLDER_PREFIX)) return [`${where} is the stack's placeholder, not a real value`];
  if (field.key === 'clientId' && isProviderId(target.id)) {
    const provider = PROVIDERS[target.id];
    return provider.clientIdPattern.test(value)
      ? []
      : [
          `${where} does not look like a ${provider.displayName} client id (expected: ${provider.clientIdHint})`,
        ];
  }
  if (field.shape) {
    return field.shape.pattern.test(value)
      ? []
      : [`${where} does not look like a ${target.displayName}: it ${field.shape.hint}`];
  }
  if (target.id === 'stripe' && field.key === 'clientSecret') {
    const wrong = STRIPE_WRONG_KEYS.find((k) => k.pattern.test(value));
    if (wrong)
      return [
        `${where} is ${wrong.what}; the platform key is the secret key (sk_live_… or sk_test_…) or a restricted key (rk_…) from Dashboard > Developers > API keys`,
      ];
  }
  if (value.length < SECRET_LENGTH.min || value.length > SECRET_LENGTH.max) {
    return [`${where} has ${value.length} characters; expected ${SECRET_LENGTH.min}-${SECRET_LENGTH.max}`];
  }
  if (!/^[\x21-\x7e]+$/.test(value)) return [`${where} contains characters outside printable ASCII`];
  return [];
}

/** Stripe's secret and restricted keys name their mode: sk_live_…, sk_test_…, rk_live_…, rk_test_…. */
const STRIPE_KEY_MODE = /^[sr]k_(live|test)_/;

/**
 * A Stripe platform key of the other mode than the stage's `stripeMode`: its connections would be of that mode
 * while the webhook handler acts only on events of the stage's mode. Names the modes, never the key.
 */
export function stripeModeProblems(
  settings: { stage: string; stripeMode: 'live' | 'test' },
  id: TargetId,
  values: Values,
): string[] {
  if (id !== 'stripe') return [];
  const mode = STRIPE_KEY_MODE.exec(values.clientSecret ?? '')?.[1];
  return mode && mode !== settings.stripeMode
    ? [
        `stripe clientSecret is a ${mode}-mode key, but stage ${settings.stage} runs Stripe in ${settings.stripeMode} ` +
          'mode (setting stripeMode in lib/stages.ts)',
      ]
    : [];
}

/** Every problem of a target's values (empty when all fields are valid). */
export function validateValues(target: Target, values: Values): string[] {
  return target.fields.flatMap((field) => fieldProblems(target, field, values[field.key]));
}

/** Throws a CliError (invalid input) listing the problems, if any. */
export function assertValid(problems: readonly string[]): void {
  if (problems.length > 0) {
    throw new CliError(`invalid input:\n${problems.map((p) => `  - ${p}`).join('\n')}`, EXIT.invalidInput);
  }
}

/** JSON.parse whose error names the position only: V8's message quotes the input, which may hold a secret. */
export function parseJsonQuietly(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const position = /position (\d+)/.exec((error as Error).message)?.[1];
    throw new CliError(
      `${what} is not valid JSON${position ? ` (near character ${position})` : ''}`,
      EXIT.invalidInput,
    );
  }
}

/** Edit distance of two short words (Levenshtein), for typo suggestions. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const row = [i];
    for (let j = 1; j <= b.length; j += 1) {
      row[j] = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length];
}

/**
 * Shows a word the tool does not know without repeating it: a misplaced secret can look like any name
 * (`qXvRtLmNbWkZpYsH`). Only a known name it is a likely typo of is printed, as a suggestion.
 */
export function nameOrHidden(word: string, known: readonly string[] = []): string {
  const lower = word.toLowerCase();
  const close = known.find((k) => distance(lower, k.toLowerCase()) <= Math.min(2, Math.floor(k.length / 3)));
  return `(not shown: unknown words are never repeated${close ? `; did you mean "${close}"?` : ''})`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Picks a target's fields out of a JSON object; unknown keys and non-string values are problems. */
function valuesFromObject(
  target: Target,
  object: Record<string, unknown>,
  where: string,
): { values: Values; problems: string[] } {
  const keys = target.fields.map((f) => f.key as string);
  const problems: string[] = [];
  const values: Values = {};
  for (const [key, value] of Object.entries(object)) {
    if (!keys.includes(key)) {
      problems.push(`${where}: unknown key ${nameOrHidden(key, keys)} (expected ${keys.join(', ')})`);
    } else if (typeof value !== 'string') {
      problems.push(`${where}: ${key} must be a string`);
    } else {
      values[key as FieldKey] = value;
    }
  }
  return { values, problems };
}

/**
 * Values of one target from piped stdin: a JSON object (`{"clientId": ..., "clientSecret": ...}`) or one line a
 * field in the target's order (client id, then client secret).
 */
export function parseStdinValues(target: Target, text: string): Values {
  const trimmed = text.trim();
  if (trimmed === '') {
    throw new CliError(
      `no input on stdin: pipe ${target.fields.map((f) => f.key).join(' and ')} (one a line, or JSON), run in a terminal to be prompted, or set ${target.fields.map((f) => f.env).join(' and ')}`,
      EXIT.invalidInput,
    );
  }
  if (trimmed.startsWith('{')) {
    const parsed = parseJsonQuietly(trimmed, 'stdin');
    const { values, problems } = valuesFromObject(target, parsed as Record<string, unknown>, 'stdin');
    assertValid(problems);
    return values;
  }
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length !== target.fields.length) {
    throw new CliError(
      `stdin has ${lines.length} line(s); expected ${target.fields.length}: ${target.fields.map((f) => f.key).join(', then ')}`,
      EXIT.invalidInput,
    );
  }
  return Object.fromEntries(target.fields.map((f, i) => [f.key, lines[i]]));
}

/** One validated target of an import file. */
export interface ImportEntry {
  target: TargetId;
  values: Values;
}

/**
 * Parses and validates a whole import file: `{ "<provider>": {"clientId", "clientSecret"}, "<provider>-webhook":
 * {"webhookSecret"} }`. Every problem of every entry is collected before anything is thrown.
 */
export function parseImportFile(text: string, targetOf: (id: TargetId) => Target): ImportEntry[] {
  const parsed = parseJsonQuietly(text, 'the import file');
  if (!isRecord(parsed))
    throw new CliError('the import file must hold a JSON object keyed by provider', EXIT.invalidInput);
  const entries: ImportEntry[] = [];
  const problems: string[] = [];
  if (Object.keys(parsed).length === 0) problems.push('the import file names no provider');
  for (const [id, raw] of Object.entries(parsed)) {
    if (!isTargetId(id)) {
      problems.push(
        `unknown provider ${nameOrHidden(id, TARGET_IDS)} (expected one of ${TARGET_IDS.join(', ')})`,
      );
      continue;
    }
    if (!isRecord(raw)) {
      problems.push(`${id}: must be an object`);
      continue;
    }
    const target = targetOf(id);
    const { values, problems: shape } = valuesFromObject(target, raw, id);
    problems.push(...shape, ...validateValues(target, values));
    entries.push({ target: id, values });
  }
  assertValid(problems);
  return entries;
}
