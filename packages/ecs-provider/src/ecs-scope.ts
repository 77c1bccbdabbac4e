import type { Logger } from 'winston';
import type { Scope } from './arn';
import type { EcsStore } from './store/ecs-store';
import type { ScopedTasks } from './runtime/scoped-tasks';
import type { EngineCapacitySource } from './domain/container-instances';
import type { ExecSessions } from './exec/exec-sessions';
import type { PreparedServiceConnect } from './service-connect/prepare';

/** What every ECS handler works on: the caller's account and region, and only that bundle of state. */
export interface EcsScope {
  readonly scope: Scope;
  readonly store: EcsStore;
  /** This account's and region's tasks, and the runtime that runs them. */
  readonly tasks: ScopedTasks;
  /** The service scheduler, asked for a prompt pass after a service changes. */
  readonly scheduler?: { kick(): void };
  /** `ECS_STRICT_VALIDATION`: refuse what AWS refuses even where localcloud could run it (docs/ecs-provider.md). */
  readonly strict: boolean;
  /** For warnings about what AWS would refuse and localcloud lets pass. */
  readonly logger: Logger;
  /** The engine's CPUs and memory, for container instances (absent: unknown, e.g. in unit tests). */
  readonly engine?: EngineCapacitySource;
  /** ECS Exec: the sessions ExecuteCommand hands out, and the data channel URL for one. */
  /** Service Connect settings the provider resolved in Cloud Map before the handler runs (service-connect/prepare.ts). */
  readonly serviceConnect?: PreparedServiceConnect;
  readonly exec?: {
    readonly sessions: ExecSessions;
    streamUrl(sessionId: string, host: string | undefined): string;
  };
}
