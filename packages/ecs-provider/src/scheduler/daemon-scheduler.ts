import type { AccountRegionStores } from '@localcloud/gateway';
import type { DurableTable } from '@localcloud/persistence';
import type { Logger } from 'winston';
import { parseArn, type Scope } from '../arn';
import { daemonGroup, runnableDefinition, type DaemonRecord } from '../domain/daemons';
import { newTaskRecord } from '../domain/new-task';
import { isLive } from '../domain/service';
import { clusterInstances } from '../handlers/container-instances';
import { daemonTaskDefinitionInUse } from '../handlers/daemon-task-definitions';
import { ScopedTasks } from '../runtime/scoped-tasks';
import { refOf, type TaskRecord } from '../runtime/task-record';
import type { TaskRuntime } from '../runtime/task-runtime';
import type { EcsStore } from '../store/ecs-store';
import type { ServiceSchedulerConfig } from './service-scheduler';

export interface DaemonSchedulerOptions {
  readonly stores: AccountRegionStores<EcsStore>;
  readonly daemons: DurableTable<DaemonRecord>;
  readonly runtime: TaskRuntime;
  readonly config: ServiceSchedulerConfig;
  readonly logger: Logger;
  /** Whether tasks may be started and stopped now (the engine answers, stored tasks were reconciled). */
  readonly ready: () => boolean;
}

/**
 * Keeps one task of each daemon's current revision on every ACTIVE container instance of its cluster
 * (the local instance and registered ones; all run on the local engine), replaces tasks of older
 * revisions, stops tasks on instances that left, and moves the daemon deployment PENDING → IN_PROGRESS →
 * SUCCESSFUL. A DELETE_IN_PROGRESS daemon's tasks are stopped, then the daemon is forgotten. Passes run
 * with the service scheduler's interval and after every task change.
 */
export class DaemonScheduler {
  private timer?: NodeJS.Timeout;
  private kicked?: NodeJS.Immediate;
  private closed = false;

  constructor(private readonly options: DaemonSchedulerOptions) {}

  start(): void {
    this.closed = false;
    this.timer = setInterval(() => this.pass(), this.options.config.intervalMs);
    this.timer.unref();
    this.kick();
  }

  stop(): void {
    this.closed = true;
    clearInterval(this.timer);
    if (this.kicked) clearImmediate(this.kicked);
    this.kicked = undefined;
  }

  kick(): void {
    if (this.closed || this.kicked) return;
    this.kicked = setImmediate(() => {
      this.kicked = undefined;
      this.pass();
    });
  }

  pass(): void {
    if (this.closed || !this.options.ready()) return;
    for (const record of [...this.options.daemons.values()]) {
      try {
        this.reconcile(record);
      } catch (error) {
        this.options.logger.warn('daemon reconciliation failed', {
          daemonArn: record.daemonArn,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
  }

  private reconcile(record: DaemonRecord): void {
    const arn = parseArn(record.daemonArn);
    if (!arn) return;
    const store = this.options.stores.get(arn.accountId, arn.region);
    const scope: Scope = store.scope;
    const key = `${record.clusterName}/${record.daemonName}`;
    const daemon = store.daemons.get(key);
    if (!daemon) return;
    const scoped = new ScopedTasks(store.tasks, this.options.runtime, async () => true, store.taskIndex);
    // Its own tasks (the store's index by group), not a daemon of the same name's before it.
    const tasks = scoped.inGroup(daemon.clusterName, daemonGroup(daemon.daemonName), daemon.createdAt.getTime() - 1);
    const live = tasks.filter(isLive);
    if (daemon.status === 'DELETE_IN_PROGRESS') {
      this.stopTasks(live, 'Daemon is being deleted');
      if (tasks.every((t) => t.lastStatus === 'STOPPED')) {
        store.daemons.delete(key);
        settleDeletedDefinitions(store);
      }
      return;
    }
    const cluster = store.clusters.get(daemon.clusterName);
    if (!cluster || cluster.status !== 'ACTIVE') return;
    const instances = clusterInstances(store, scope, cluster).filter((i) => i.status === 'ACTIVE');
    const revisionId = daemon.revisionArn.slice(daemon.revisionArn.lastIndexOf('/') + 1);
    const revision = store.daemonRevisions.get(daemon.revisionArn.slice(daemon.revisionArn.indexOf('/') + 1));
    const definitionKey = revision?.daemonTaskDefinitionArn.slice(revision.daemonTaskDefinitionArn.indexOf('/') + 1);
    const definition = definitionKey ? store.daemonTaskDefinitions.get(definitionKey)?.definition : undefined;
    if (!definition) return;

    // Older revisions' tasks, and tasks on instances that are no longer ACTIVE, go.
    const onInstance = (t: TaskRecord, arnOf: string) => t.containerInstanceArn === arnOf;
    const stale = live.filter(
      (t) => t.startedBy !== revisionId || !instances.some((i) => onInstance(t, i.containerInstanceArn)),
    );
    this.stopTasks(stale, 'Daemon task replaced by a newer revision or its instance left');

    const now = Date.now();
    let placed = 0;
    for (const instance of instances) {
      const current = live.filter((t) => t.startedBy === revisionId && onInstance(t, instance.containerInstanceArn));
      if (current.length > 1) this.stopTasks(current.slice(1), 'One daemon task per container instance');
      if (current.length > 0) {
        if (current[0]!.lastStatus === 'RUNNING') placed += 1;
        continue;
      }
      if (this.failedRecently(tasks, revisionId, instance.containerInstanceArn, now)) continue;
      const task = newTaskRecord({
        scope,
        clusterName: daemon.clusterName,
        clusterArn: daemon.clusterArn,
        definition: runnableDefinition(definition),
        launchType: 'EC2',
        startedBy: revisionId,
        group: daemonGroup(daemon.daemonName),
        tags: revision?.propagateTags === 'DAEMON' ? daemon.tags.map((t) => ({ ...t })) : [],
        containerInstanceArn: instance.containerInstanceArn,
        enableExecuteCommand: revision?.enableExecuteCommand ?? false,
      });
      scoped.put(task);
      this.options.runtime.launch(refOf(task), runnableDefinition(definition));
    }
    this.advanceDeployment(store, daemon, placed, instances.length, stale.length === 0);
  }

  /** A task of this revision on this instance failed within the backoff: wait before the next one. */
  private failedRecently(tasks: readonly TaskRecord[], revisionId: string, instanceArn: string, now: number): boolean {
    return tasks.some(
      (t) =>
        t.startedBy === revisionId &&
        t.containerInstanceArn === instanceArn &&
        t.lastStatus === 'STOPPED' &&
        (t.stopCode === 'TaskFailedToStart' || t.stopCode === 'EssentialContainerExited') &&
        now - (t.stoppedAt?.getTime() ?? 0) < this.options.config.backoffBaseMs,
    );
  }

  private stopTasks(tasks: readonly TaskRecord[], reason: string): void {
    for (const task of tasks) {
      if (task.desiredStatus === 'STOPPED') continue;
      void this.options.runtime.stop(refOf(task), { stopCode: 'ServiceSchedulerInitiated', reason });
    }
  }

  private advanceDeployment(
    store: EcsStore,
    daemon: DaemonRecord,
    running: number,
    instances: number,
    noStale: boolean,
  ): void {
    const key = daemon.deploymentArn.slice(daemon.deploymentArn.indexOf('/') + 1);
    const deployment = store.daemonDeployments.get(key);
    if (!deployment || (deployment.status !== 'PENDING' && deployment.status !== 'IN_PROGRESS')) return;
    const now = new Date();
    const next = structuredClone(deployment);
    if (next.status === 'PENDING') {
      next.status = 'IN_PROGRESS';
      next.startedAt = now;
    }
    const target = next.targetDaemonRevision ?? {};
    target.totalRunningInstanceCount = running;
    target.totalWithoutDaemonInstanceCount = Math.max(0, instances - running);
    target.totalDrainingInstanceCount = 0;
    next.targetDaemonRevision = target;
    if (running === instances && noStale) {
      next.status = 'SUCCESSFUL';
      next.finishedAt = now;
      next.statusReason = 'Daemon deployment completed successfully.';
    }
    if (JSON.stringify(next) !== JSON.stringify(deployment)) store.daemonDeployments.put(key, next);
  }
}

/** Daemon task definitions whose deletion waited for a daemon: DELETED once no daemon deploys them. */
function settleDeletedDefinitions(store: EcsStore): void {
  for (const [key, record] of store.daemonTaskDefinitions.entries()) {
    const { definition } = record;
    if (definition.status !== 'DELETE_IN_PROGRESS') continue;
    if (daemonTaskDefinitionInUse({ store }, definition.daemonTaskDefinitionArn)) continue;
    store.daemonTaskDefinitions.put(key, { ...record, definition: { ...definition, status: 'DELETED' } });
  }
}
