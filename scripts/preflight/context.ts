// What every check of the preflight reads: the stage's settings, the clients, and what is deployed already.
import type { StageSettings } from '../../lib/config';
import type { PreflightClients } from './aws';

/** A resource of our deployed stack (ListStackResources). */
export interface StackResource {
  readonly logicalId: string;
  readonly physicalId: string;
  readonly type: string;
}

/** Our stack as CloudFormation reports it; undefined before the first deploy. */
export interface DeployedStack {
  readonly status: string;
  readonly resources: readonly StackResource[];
}

export interface CheckContext {
  readonly settings: StageSettings;
  /** Every stage, for the account rules across stages. */
  readonly stages: Readonly<Record<string, unknown>>;
  readonly clients: PreflightClients;
  readonly stackName: string;
  /** The caller's account (STS); undefined when STS did not answer. */
  readonly account?: string;
  /** Our stack, when it exists and this app created it. */
  readonly stack?: DeployedStack;
}

/** Physical ids of our stack's resources of one type. */
export function physicalIds(stack: DeployedStack | undefined, type: string): string[] {
  return (stack?.resources ?? []).filter((r) => r.type === type).map((r) => r.physicalId);
}
