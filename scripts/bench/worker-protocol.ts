// Messages between run.ts and a worker (worker.ts) over the IPC channel.
import type { HttpResult } from '../../lambda/shared/http';

export type WorkerRequest = { id: number } & (
  | { cmd: 'load'; bundles: Record<string, string> }
  | { cmd: 'invoke'; handler: string; event: unknown }
  | { cmd: 'batch'; handler: string; events: unknown[] }
  | { cmd: 'load-run'; flows: number; concurrency: number }
  | { cmd: 'calibrate'; url: string; count: number }
);

export interface LoadReport {
  flows: number;
  concurrency: number;
  wallMs: number;
  /** Start to confirmed connection, per flow that connected. */
  flowMs: number[];
  invocationMs: { 'oauth-start': number[]; 'oauth-callback': number[]; 'oauth-complete': number[] };
  /** Callbacks that answered status=pending (must equal flows). */
  pending: number;
  /** Second, concurrent callbacks with the same state refused as invalid_state (must equal flows). */
  callbackReplaysRefused: number;
  connected: number;
  completeReplaysRefused: number;
  errors: number;
  errorSamples: string[];
}

export interface WorkerReply {
  id: number;
  ready?: boolean;
  error?: string;
  importMs?: number;
  results?: HttpResult[];
  wallMs?: number[];
  cpuMs?: number[];
  load?: LoadReport;
}
