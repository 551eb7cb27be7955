// Every test file (setupFilesAfterEnv): records each handler's AWS calls on the shared SDK clients and fails the file on a call its grants lack.
//
// Attribution: the handler entry files are compiled with one line more (handler-transform.cjs) that hands their
// exports to wrapExports here, which runs every call of them inside an AsyncLocalStorage context naming the
// handler. A call on a shared client reads the context; promises, timers and callbacks carry it, so it holds
// whatever module (store, vault, resources) sends the command. The middleware sits on the clients of
// lambda/store/clients.ts, so refactors above them do not matter.
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { ENV } from '../../lambda/shared/env-names';
import {
  callsOf,
  granted,
  logicalCall,
  vaultModeKey,
  type StageNames,
  type HandlerUnits,
  type Service,
  type VaultModeKey,
} from './call-units';
import { GRANT_RECORDS_ENV, type FileRecord } from './grant-records';

const ROOT = resolve(__dirname, '../..');
const CLIENTS = join(ROOT, 'lambda/store/clients.ts');
const MIDDLEWARE = 'grant-recorder';

interface Invocation {
  readonly handler: string;
  /** The vault mode the handler module was loaded in (it reads the environment at import). */
  readonly mode: VaultModeKey;
  readonly names: StageNames;
}

const context = new AsyncLocalStorage<Invocation>();
const dir = process.env[GRANT_RECORDS_ENV];
const record: FileRecord = { testPath: '', calls: {}, unattributed: [] };
const denied = new Map<string, string>();
let units: Record<VaultModeKey, HandlerUnits> | undefined;

function unitsOf(mode: VaultModeKey, handler: string) {
  units ??= JSON.parse(readFileSync(join(dir as string, 'units.json'), 'utf8')) as Record<
    VaultModeKey,
    HandlerUnits
  >;
  return units[mode]?.[handler] ?? [];
}

function recordCall(service: Service, command: string, input: Record<string, unknown>) {
  const at = context.getStore();
  if (!at) {
    // Test setup through the handlers' clients, or a module tested without its handler.
    for (const call of callsOf(service, command, input))
      if (!record.unattributed.includes(call)) record.unattributed.push(call);
    return;
  }
  const byMode = (record.calls[at.handler] ??= {});
  const seen = (byMode[at.mode] ??= []);
  for (const call of callsOf(service, command, input).map((c) => logicalCall(c, at.names))) {
    if (seen.includes(call)) continue;
    seen.push(call);
    if (!granted(call, unitsOf(at.mode, at.handler)))
      denied.set(`${at.handler} (${at.mode}): ${call}`, expect.getState().currentTestName ?? '(no test)');
  }
}

interface Recordable {
  middlewareStack: {
    add(
      m: (
        next: (a: unknown) => Promise<unknown>,
        c: { commandName?: string },
      ) => (a: unknown) => Promise<unknown>,
      o: { step: 'initialize'; name: string },
    ): void;
    identify(): string[];
  };
}

const attached = new WeakSet<object>();

/** Puts the recorder on the clients of the module registry the handler was loaded in (once per client). */
function attach(clients: Record<Service, unknown>) {
  for (const service of ['dynamodb', 'secretsmanager', 'events', 'kms'] as const) {
    const client = clients[service] as Recordable;
    if (attached.has(client)) continue;
    attached.add(client);
    client.middlewareStack.add(
      (next, c) => async (args) => {
        recordCall(service, c.commandName ?? 'Unknown', (args as { input: Record<string, unknown> }).input);
        return next(args);
      },
      { step: 'initialize', name: MIDDLEWARE },
    );
  }
}

/** Called by every handler entry file at the end of its load (handler-transform.cjs). */
function wrapExports(handler: string, exports: Record<string, unknown>) {
  // What the handler read from the environment at import: its vault mode and its stage's names.
  const at: Invocation = {
    handler,
    mode: vaultModeKey({
      backend: process.env[ENV.tokenVault] || 'dynamodb-kms',
      readFallback: process.env[ENV.tokenReadFallback] === 'true',
    }),
    names: {
      tablePrefix: process.env[ENV.tablePrefix] ?? '',
      secretPrefix: process.env[ENV.secretPrefix] ?? '',
    },
  };
  // The clients of the registry the handler was loaded in (an isolateModules block has its own).
  const store = jest.requireActual<Record<'dynamo' | 'secrets' | 'events' | 'kms', unknown>>(CLIENTS);
  attach({ dynamodb: store.dynamo, secretsmanager: store.secrets, events: store.events, kms: store.kms });
  for (const [key, value] of Object.entries(exports)) {
    if (typeof value !== 'function') continue;
    const fn = value as (...a: unknown[]) => unknown;
    exports[key] = (...args: unknown[]) => context.run(at, () => fn(...args));
  }
}

if (dir) {
  (globalThis as { __listbackupGrantRecorder?: unknown }).__listbackupGrantRecorder = { wrapExports };

  record.testPath = relative(ROOT, expect.getState().testPath ?? 'unknown');
  const out = join(dir, 'files', `${record.testPath.replace(/[^\w.-]+/g, '_')}.json`);
  const save = () => writeFileSync(out, JSON.stringify(record));
  // Written now as well: a file whose tests are all skipped runs no afterAll, and still counts as run.
  mkdirSync(join(dir, 'files'), { recursive: true });
  save();

  afterAll(() => {
    save();
    if (denied.size) {
      const lines = [...denied].map(([call, test]) => `  ${call}    (in "${test}")`);
      throw new Error(
        `AWS calls that the handler's grants in lib/handler-specs.ts do not cover (AccessDenied in AWS):\n${lines.join('\n')}`,
      );
    }
  });
}
