import {
  ContainerNotFoundError,
  type ContainerBackend,
  type ContainerEvent,
  type EventSubscription,
} from '@localcloud/docker-backend';
import type { Logger } from 'winston';
import { LABELS } from './labels';
import type { EcsRuntimeConfig } from './runtime-config';
import type { TaskRuntime } from './task-runtime';
import { refOf, type TaskRef, type TaskRepository } from './task-record';

const RECONNECT_DELAYS_MS = [250, 500, 1000, 2000, 5000];
const REAP_INTERVAL_MS = 60_000;
/** The longest the reconcile runs before letting other work (requests) in. */
const RECONCILE_SLICE_MS = 10;

/**
 * Keeps stored tasks true to their containers: follows the engine's event stream (a `docker kill`
 * shows within a second), and reconciles by inspection whenever the stream (re)connects, e.g. after a
 * gateway restart or an engine outage.
 */
export class TaskSupervisor {
  private subscription?: EventSubscription;
  private lastEventAt?: Date;
  private reconnectTimer?: NodeJS.Timeout;
  private reapTimer?: NodeJS.Timeout;
  private attempts = 0;
  private closed = false;
  private engineAvailable = false;

  constructor(
    private readonly backend: ContainerBackend,
    private readonly runtime: TaskRuntime,
    private readonly repository: TaskRepository & { forgetStoppedBefore(cutoff: Date): number },
    private readonly config: EcsRuntimeConfig,
    /** This gateway instance: only containers labelled with it are ours to follow or remove. */
    private readonly instanceId: string,
    private readonly logger: Logger,
    /** Whether the task ARN belongs to a task this provider knows (any account and region). */
    private readonly isKnownTask: (taskArn: string) => boolean,
  ) {}

  /** Whether the event stream is up, i.e. the engine answers. */
  get available(): boolean {
    return this.engineAvailable;
  }

  /** Connects to the event stream and reconciles; never throws: an absent engine is retried. */
  async start(): Promise<void> {
    this.reapTimer = setInterval(() => this.forgetOldStoppedTasks(), REAP_INTERVAL_MS).unref();
    this.forgetOldStoppedTasks();
    await this.connect();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.reapTimer);
    this.subscription?.close();
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    // A reconnect replaces the subscription; never leave the old one streaming beside it.
    this.subscription?.close();
    try {
      this.subscription = await this.backend.events(
        { labels: { [LABELS.managed]: this.config.containerPrefix }, since: this.lastEventAt },
        {
          onEvent: (event) => this.onEvent(event),
          onError: (error) => {
            this.engineAvailable = false;
            this.logger.warn('lost the Docker event stream; reconnecting', { error: error.message });
            this.scheduleReconnect();
          },
        },
      );
      await this.reconcile();
      this.attempts = 0;
      // Only now: the service scheduler acts when this is true, and must see reconciled tasks.
      this.engineAvailable = true;
    } catch (error) {
      this.engineAvailable = false;
      this.subscription?.close();
      if (this.attempts === 0)
        this.logger.warn('Docker engine unavailable; task operations will fail until it is back', {
          error: String(error),
        });
      this.scheduleReconnect();
    }
  }

  /** STOPPED tasks stay visible for `stoppedTaskRetentionSeconds` (ECS: at least an hour), then go. */
  private forgetOldStoppedTasks(): void {
    const cutoff = new Date(Date.now() - this.config.stoppedTaskRetentionSeconds * 1000);
    const forgotten = this.repository.forgetStoppedBefore(cutoff);
    if (forgotten > 0) this.logger.debug('forgot stopped tasks past their retention', { forgotten });
  }

  private scheduleReconnect(): void {
    if (this.closed) return;
    const delay = RECONNECT_DELAYS_MS[Math.min(this.attempts++, RECONNECT_DELAYS_MS.length - 1)]!;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => void this.connect(), delay);
    this.reconnectTimer.unref();
  }

  private onEvent(event: ContainerEvent): void {
    this.lastEventAt = event.time;
    if (!this.owns(event.labels)) return;
    const ref = refFromLabels(event.labels);
    const name = event.labels[LABELS.containerName];
    if (!ref || !name) return;
    switch (event.action) {
      case 'start':
        this.runtime.containerStarted(ref, name);
        break;
      case 'die':
        this.runtime.containerExited(ref, name, event.exitCode);
        break;
      case 'oom':
        this.runtime.mutate(ref, (r) => {
          const container = r.containers?.find((c) => c.name === name);
          if (container) container.reason ??= 'OutOfMemoryError: Container killed due to memory usage';
        });
        break;
      case 'health_status':
        if (event.healthStatus) this.runtime.containerHealth(ref, name, event.healthStatus);
        break;
    }
  }

  /**
   * Brings every unfinished task up to date with what the engine shows, finishes work a previous run
   * left half done, and removes containers of tasks nobody knows.
   */
  async reconcile(): Promise<void> {
    let slice = performance.now();
    for (const record of this.repository.unfinished()) {
      // With an engine that answers at once (or tasks without containers) this loop never waits on I/O:
      // hand the event loop back between slices, so a large state's reconcile does not hold requests
      // (the first health answer) until every task is done.
      if (performance.now() - slice >= RECONCILE_SLICE_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        slice = performance.now();
      }
      const ref = refOf(record);
      try {
        await this.reconcileTask(ref);
      } catch (error) {
        this.logger.warn('could not reconcile task', { taskArn: ref.taskArn, error: String(error) });
      }
    }
    await this.removeOrphans();
  }

  private async reconcileTask(ref: TaskRef): Promise<void> {
    const record = this.repository.get(ref);
    if (!record) return;
    for (const container of record.runtime?.containers ?? []) {
      if (!container.runtimeId) continue;
      try {
        const info = await this.backend.inspectContainer(container.runtimeId);
        if (info.state.running) this.runtime.containerAdopted(ref, container.name, container.runtimeId);
        else if (info.state.startedAt) {
          this.runtime.containerExitedWhileAway(ref, container.name, container.runtimeId, info.state.exitCode);
        }
        if (info.state.health) this.runtime.containerHealth(ref, container.name, info.state.health.status);
      } catch (error) {
        if (!(error instanceof ContainerNotFoundError)) throw error;
        this.runtime.containerExited(ref, container.name, undefined, 'Container removed outside localcloud');
      }
    }
    const current = this.repository.get(ref);
    if (!current || current.lastStatus === 'STOPPED' || this.runtime.isBusy(ref)) return;
    if (current.desiredStatus === 'STOPPED' || current.lastStatus !== 'RUNNING') {
      // A stop or a launch that a previous run of localcloud did not finish. Not awaited: a stop can
      // take a container's whole stop timeout, and start-up must not wait for it.
      void this.runtime.stop(ref, {
        stopCode:
          current.lastStatus === 'RUNNING' || current.desiredStatus === 'STOPPED'
            ? 'UserInitiated'
            : 'TaskFailedToStart',
        reason: current.stoppedReason ?? 'localcloud restarted while the task was starting',
      });
    }
  }

  /**
   * Another gateway's containers (same prefix, same engine) are not ours, even for a task ARN we know
   * (a copied data directory). Containers from before instance labels count when we know their task.
   */
  private owns(labels: Record<string, string>): boolean {
    const instance = labels[LABELS.instance];
    if (instance !== undefined) return instance === this.instanceId;
    const taskArn = labels[LABELS.taskArn];
    return taskArn !== undefined && this.isKnownTask(taskArn);
  }

  /** Only this instance's: a gateway beside us with the same prefix keeps its containers. */
  private async removeOrphans(): Promise<void> {
    const containers = await this.backend.listContainers({
      all: true,
      labels: { [LABELS.managed]: this.config.containerPrefix, [LABELS.instance]: this.instanceId },
    });
    for (const container of containers) {
      const taskArn = container.labels[LABELS.taskArn];
      if (taskArn && this.isKnownTask(taskArn)) continue;
      this.logger.warn('removing a task container no known task owns', { container: container.name, taskArn });
      try {
        await this.backend.removeContainer(container.id, { force: true, removeVolumes: true });
      } catch (error) {
        // One container the engine will not remove must not stop reconciliation (and with it the scheduler).
        if (!(error instanceof ContainerNotFoundError)) {
          this.logger.warn('could not remove an orphaned task container', {
            container: container.name,
            error: String(error),
          });
        }
      }
    }
  }
}

function refFromLabels(labels: Record<string, string>): TaskRef | undefined {
  const accountId = labels[LABELS.accountId];
  const region = labels[LABELS.region];
  const taskArn = labels[LABELS.taskArn];
  return accountId && region && taskArn ? { accountId, region, taskArn } : undefined;
}
