// File-backed stand-ins for Secrets Manager and EventBridge speaking their JSON protocols on loopback,
// so the real SDK clients (via AWS_ENDPOINT_URL_*) and the bundled handlers run unchanged locally.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync, appendFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';

interface StoredSecret {
  name: string;
  arn: string;
  versions: { id: string; value: string; createdAt: number; stages: string[] }[];
  createdAt: number;
  lastChangedAt: number;
  deletedAt?: number;
  /** End of the recovery window of a scheduled deletion (DescribeSecret's DeletedDate). */
  deletionDate?: number;
  description?: string;
  tags?: { Key: string; Value: string }[];
}

export interface PublishedEvent {
  EventBusName?: string;
  Source?: string;
  DetailType?: string;
  Detail?: string;
  at: string;
}

export interface AwsStandins {
  endpoint: string;
  server: Server;
  /** Secrets by name, read from the folder (for tests and the local run's output). */
  secrets(): Record<string, StoredSecret>;
  events(): PublishedEvent[];
  /** Makes the next calls of `target` (e.g. `secretsmanager.CreateSecret`) fail with `errorType`. */
  failNext(target: string, errorType: string, times?: number): void;
  /** Holds the next calls of `target` for `ms` before carrying them out, as a stalled AWS endpoint does. */
  stallNext(target: string, ms: number, times?: number): void;
  /** Counts of calls by target since start. */
  calls(): Record<string, number>;
  stop(): Promise<void>;
}

class AwsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/**
 * Starts the stand-ins; state lives in `dir` (secrets.json, events.jsonl).
 * @example const aws = await startAwsStandins('.local/aws'); process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = aws.endpoint
 */
export async function startAwsStandins(
  dir: string,
  options: { port?: number; onEvent?: (e: PublishedEvent) => void } = {},
): Promise<AwsStandins> {
  mkdirSync(dir, { recursive: true });
  const secretsFile = join(dir, 'secrets.json');
  const eventsFile = join(dir, 'events.jsonl');
  const load = (): Record<string, StoredSecret> =>
    existsSync(secretsFile) ? JSON.parse(readFileSync(secretsFile, 'utf8')) : {};
  const save = (all: Record<string, StoredSecret>) => {
    writeFileSync(`${secretsFile}.tmp`, JSON.stringify(all, null, 1), { mode: 0o600 });
    renameSync(`${secretsFile}.tmp`, secretsFile);
  };
  const failures = new Map<string, { type: string; times: number }>();
  const stalls = new Map<string, { ms: number; times: number }>();
  const counts: Record<string, number> = {};
  const published: PublishedEvent[] = [];

  /** The secret named or ARN'd `id`, also when scheduled for deletion (DescribeSecret, RestoreSecret answer those). */
  const lookup = (all: Record<string, StoredSecret>, id: string): StoredSecret => {
    const s = all[id] ?? Object.values(all).find((x) => x.arn === id);
    if (!s)
      throw new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    return s;
  };
  const find = (all: Record<string, StoredSecret>, id: string): StoredSecret => {
    const s = lookup(all, id);
    if (s.deletedAt) throw new AwsError('InvalidRequestException', 'the secret is marked for deletion');
    return s;
  };
  const current = (s: StoredSecret) => s.versions.find((v) => v.stages.includes('AWSCURRENT'))!;
  const addVersion = (s: StoredSecret, value: string, token?: string) => {
    for (const v of s.versions) v.stages = v.stages.includes('AWSCURRENT') ? ['AWSPREVIOUS'] : [];
    const id = token ?? randomUUID();
    s.versions.push({ id, value, createdAt: Date.now(), stages: ['AWSCURRENT'] });
    s.versions = s.versions.slice(-10);
    s.lastChangedAt = Date.now();
    return id;
  };

  const handlers: Record<string, (input: Record<string, unknown>) => unknown> = {
    'secretsmanager.CreateSecret': (input) => {
      const all = load();
      const name = String(input.Name);
      if (all[name] && !all[name].deletedAt)
        throw new AwsError(
          'ResourceExistsException',
          `The operation failed because the secret ${name} already exists.`,
        );
      const s: StoredSecret = {
        name,
        arn: `arn:aws:secretsmanager:us-west-2:000000000000:secret:${name}-${randomUUID().slice(0, 6)}`,
        versions: [],
        createdAt: Date.now(),
        lastChangedAt: Date.now(),
        description: input.Description as string | undefined,
        tags: input.Tags as StoredSecret['tags'],
      };
      const versionId = addVersion(
        s,
        String(input.SecretString ?? ''),
        input.ClientRequestToken as string | undefined,
      );
      all[name] = s;
      save(all);
      return { ARN: s.arn, Name: name, VersionId: versionId };
    },
    'secretsmanager.GetSecretValue': (input) => {
      const s = find(load(), String(input.SecretId));
      const v = current(s);
      return {
        ARN: s.arn,
        Name: s.name,
        VersionId: v.id,
        SecretString: v.value,
        VersionStages: v.stages,
        CreatedDate: v.createdAt / 1000,
      };
    },
    // Up to 20 ids; a secret that cannot be read is an entry in Errors, not a failed call (as in AWS).
    'secretsmanager.BatchGetSecretValue': (input) => {
      const ids = (input.SecretIdList as string[] | undefined) ?? [];
      if (ids.length === 0 || ids.length > 20)
        throw new AwsError('InvalidParameterException', 'SecretIdList must name 1 to 20 secrets');
      const all = load();
      const SecretValues: unknown[] = [];
      const Errors: unknown[] = [];
      for (const id of ids) {
        try {
          const s = find(all, id);
          const v = current(s);
          SecretValues.push({
            ARN: s.arn,
            Name: s.name,
            VersionId: v.id,
            SecretString: v.value,
            VersionStages: v.stages,
            CreatedDate: v.createdAt / 1000,
          });
        } catch (error) {
          const e = error as AwsError;
          Errors.push({ SecretId: id, ErrorCode: e.type, Message: e.message });
        }
      }
      return { SecretValues, Errors };
    },
    'secretsmanager.PutSecretValue': (input) => {
      const all = load();
      const s = find(all, String(input.SecretId));
      const versionId = addVersion(
        s,
        String(input.SecretString ?? ''),
        input.ClientRequestToken as string | undefined,
      );
      save(all);
      return { ARN: s.arn, Name: s.name, VersionId: versionId, VersionStages: ['AWSCURRENT'] };
    },
    'secretsmanager.DescribeSecret': (input) => {
      // AWS describes a secret scheduled for deletion too, with the date it goes (DeletedDate).
      const s = lookup(load(), String(input.SecretId));
      return {
        ARN: s.arn,
        Name: s.name,
        Description: s.description,
        LastChangedDate: s.lastChangedAt / 1000,
        CreatedDate: s.createdAt / 1000,
        Tags: s.tags,
        ...(s.deletedAt ? { DeletedDate: (s.deletionDate ?? s.deletedAt) / 1000 } : {}),
      };
    },
    'secretsmanager.ListSecrets': () => ({
      SecretList: Object.values(load())
        .filter((s) => !s.deletedAt)
        .map((s) => ({ ARN: s.arn, Name: s.name, LastChangedDate: s.lastChangedAt / 1000 })),
    }),
    'secretsmanager.DeleteSecret': (input) => {
      const all = load();
      const id = String(input.SecretId);
      if (input.ForceDeleteWithoutRecovery === true) {
        // As AWS: gone at once, also when scheduled already; a missing secret is no error.
        const s = all[id] ?? Object.values(all).find((x) => x.arn === id);
        if (s) delete all[s.name];
        save(all);
        return { ARN: s?.arn, Name: s?.name ?? id, DeletionDate: Date.now() / 1000 };
      }
      const s = find(all, id);
      const days = Number(input.RecoveryWindowInDays ?? 30);
      s.deletedAt = Date.now();
      s.deletionDate = s.deletedAt + days * 86_400_000;
      // The stand-in drops the values at once: nothing readable stays behind locally.
      s.versions = s.versions.map((v) => ({ ...v, value: '' }));
      save(all);
      return { ARN: s.arn, Name: s.name, DeletionDate: s.deletionDate / 1000 };
    },
    'secretsmanager.RestoreSecret': (input) => {
      const all = load();
      const s = lookup(all, String(input.SecretId));
      delete s.deletedAt;
      delete s.deletionDate;
      save(all);
      return { ARN: s.arn, Name: s.name };
    },
    'AWSEvents.PutEvents': (input) => {
      const entries = (input.Entries as Record<string, string>[]) ?? [];
      for (const e of entries) {
        const event: PublishedEvent = {
          EventBusName: e.EventBusName,
          Source: e.Source,
          DetailType: e.DetailType,
          Detail: e.Detail,
          at: new Date().toISOString(),
        };
        published.push(event);
        appendFileSync(eventsFile, `${JSON.stringify(event)}\n`);
        options.onEvent?.(event);
      }
      return { FailedEntryCount: 0, Entries: entries.map(() => ({ EventId: randomUUID() })) };
    },
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      counts[target] = (counts[target] ?? 0) + 1;
      const stall = stalls.get(target);
      if (stall && stall.times > 0) {
        stall.times -= 1;
        // Carried out late even when the caller gave up meanwhile: AWS may commit what it answers late.
        setTimeout(() => answer(target), stall.ms);
      } else answer(target);
    });
    const answer = (target: string) => {
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(body));
      };
      try {
        const failure = failures.get(target);
        if (failure && failure.times > 0) {
          failure.times -= 1;
          throw new AwsError(
            failure.type,
            `injected ${failure.type}`,
            failure.type === 'ThrottlingException'
              ? 400
              : failure.type === 'InternalServiceError'
                ? 500
                : 400,
          );
        }
        const handler = handlers[target];
        if (!handler) throw new AwsError('UnknownOperationException', `not supported locally: ${target}`);
        const input = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
        send(200, handler(input));
      } catch (error) {
        const e =
          error instanceof AwsError
            ? error
            : new AwsError('InternalServiceError', (error as Error).message, 500);
        send(e.status, { __type: e.type, message: e.message });
      }
    };
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    server,
    secrets: load,
    events: () => [...published],
    failNext: (target, type, times = 1) => failures.set(target, { type, times }),
    stallNext: (target, ms, times = 1) => stalls.set(target, { ms, times }),
    calls: () => ({ ...counts }),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
