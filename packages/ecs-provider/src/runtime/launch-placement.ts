import type { AccountRegionStores } from '@localcloud/gateway';
import type { EngineCapacitySource } from '../domain/container-instances';
import { placeLaunchedTask } from '../handlers/container-instances';
import type { EcsStore } from '../store/ecs-store';
import type { TaskHooks } from './task-hooks';
import type { TaskRecord, TaskRef } from './task-record';
import { TaskStartError } from './task-runtime';

export interface LaunchPlacementOptions {
  readonly stores: AccountRegionStores<EcsStore>;
  readonly get: (ref: TaskRef) => TaskRecord | undefined;
  readonly mutate: (ref: TaskRef, change: (record: TaskRecord) => void) => void;
  readonly engine: EngineCapacitySource;
  readonly strict: boolean;
}

/**
 * `hooks` with placement first: a task the scheduler launched on the EC2 or EXTERNAL launch type gets a
 * container instance of its cluster before anything runs (RunTask places its own).
 */
export function withPlacement(hooks: TaskHooks, options: LaunchPlacementOptions): TaskHooks {
  return {
    prepare: (ref, definition) => {
      place(ref, options);
      return hooks.prepare(ref, definition);
    },
    beforeCreate: (ref, definition) => hooks.beforeCreate(ref, definition),
    networkReady: (ref, network) => hooks.networkReady(ref, network),
    beforeStart: (ref, runtimeId, containerName) =>
      hooks.beforeStart?.(ref, runtimeId, containerName) ?? Promise.resolve(),
    started: (ref, runtimeId, containerName) => hooks.started(ref, runtimeId, containerName),
    resumed: (ref, runtimeId, containerName) => hooks.resumed(ref, runtimeId, containerName),
    beforeStopped: (ref) => hooks.beforeStopped(ref),
  };
}

function place(ref: TaskRef, options: LaunchPlacementOptions): void {
  const record = options.get(ref);
  if (!record || record.containerInstanceArn) return;
  if (record.launchType !== 'EC2' && record.launchType !== 'EXTERNAL') return;
  const store = options.stores.get(ref.accountId, ref.region);
  const scope = { accountId: ref.accountId, region: ref.region };
  const placed = placeLaunchedTask({ store, scope, engine: options.engine, strict: options.strict }, record);
  if ('reason' in placed) throw new TaskStartError(placed.reason);
  options.mutate(ref, (r) => {
    r.containerInstanceArn = placed.containerInstanceArn;
  });
}
