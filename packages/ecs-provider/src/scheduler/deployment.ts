import { isHealthyRunning, isLive } from '../domain/service';
import { isProtected } from '../domain/task-protection';
import type { TaskRecord } from '../runtime/task-record';

export interface RolloutInput {
  /** Tasks the service should run (1 for DAEMON, 0 while draining). */
  readonly desiredCount: number;
  readonly minimumHealthyPercent: number;
  readonly maximumPercent: number;
  /** The PRIMARY deployment's id; tasks of any other id belong to older deployments. */
  readonly primaryId: string;
  /** The service's tasks that are still wanted (desiredStatus RUNNING). */
  readonly live: readonly TaskRecord[];
  /** False while the service is throttled after failed starts. */
  readonly startAllowed: boolean;
  /** Epoch ms, for task protection expiry; the current time when absent. */
  readonly now?: number;
  /**
   * Whether a task counts as healthy: RUNNING (and HEALTHY where checked) by default; a service behind a
   * load balancer also wants its targets healthy, so old tasks drain only once new targets serve.
   */
  readonly isHealthy?: (task: TaskRecord) => boolean;
}

export interface RolloutStep {
  /** New tasks to start for the PRIMARY deployment. */
  readonly start: number;
  /** Tasks to stop, with the deployment that asked. */
  readonly stop: readonly TaskRecord[];
}

/**
 * One step of ECS's rolling update: start PRIMARY tasks up to `maximumPercent` of the desired count,
 * and stop tasks of older deployments (and PRIMARY tasks beyond the desired count) as long as at least
 * `minimumHealthyPercent` of the desired count stay RUNNING and healthy. Tasks that are not healthy
 * yet never count towards the minimum, so stopping them is always allowed.
 */
export function planRollout(input: RolloutInput): RolloutStep {
  const desired = Math.max(0, input.desiredCount);
  const maxTotal = Math.floor((desired * input.maximumPercent) / 100);
  const minHealthy = Math.ceil((desired * input.minimumHealthyPercent) / 100);
  const live = input.live.filter(isLive);
  // --- Container instance drain (UpdateContainerInstancesState DRAINING; docs/ecs-provider.md): tasks on a
  // draining instance are replaced like an older deployment's, within minimumHealthy/maximumPercent. ---
  const moving = (t: TaskRecord) => t.containerInstanceDraining === true;
  const primary = live.filter((t) => t.startedBy === input.primaryId && !moving(t));
  const old = live.filter((t) => t.startedBy !== input.primaryId || moving(t));
  const stop: TaskRecord[] = [];
  // --- Task scale-in protection (UpdateTaskProtection; docs/ecs-provider.md): a protected task is never
  // chosen to stop by a scale-in or a deployment before its protection expires. ---
  const now = input.now ?? Date.now();
  const stoppable = (t: TaskRecord) => !isProtected(t, now);

  // Scale-in of the PRIMARY deployment: not-yet-healthy tasks first, then the newest.
  const excess = primary.length - desired;
  if (excess > 0) stop.push(...primary.filter(stoppable).sort(scaleInOrder).slice(0, excess));

  // Older deployments: tasks that do not count as healthy may go at once; healthy ones while the
  // minimum holds, oldest first.
  const isHealthy = input.isHealthy ?? isHealthyRunning;
  let healthy = live.filter((t) => isHealthy(t) && !stop.includes(t)).length;
  for (const task of old.filter(stoppable).sort(oldestFirst)) {
    if (!isHealthy(task)) stop.push(task);
    else if (healthy - 1 >= minHealthy) {
      stop.push(task);
      healthy -= 1;
    }
  }

  const remaining = live.length - stop.length;
  const primaryRemaining = primary.length - stop.filter((t) => primary.includes(t)).length;
  const need = Math.max(0, desired - primaryRemaining);
  const room = Math.max(0, maxTotal - remaining);
  const start = input.startAllowed ? Math.min(need, room) : 0;
  return { start, stop };
}

const created = (t: TaskRecord) => t.createdAt?.getTime() ?? 0;
const oldestFirst = (a: TaskRecord, b: TaskRecord) => created(a) - created(b);
function scaleInOrder(a: TaskRecord, b: TaskRecord): number {
  const ha = isHealthyRunning(a) ? 1 : 0;
  const hb = isHealthyRunning(b) ? 1 : 0;
  return ha - hb || created(b) - created(a);
}
