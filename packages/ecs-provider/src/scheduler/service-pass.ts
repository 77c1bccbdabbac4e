import type { Deployment, TaskDefinition } from '@aws-sdk/client-ecs';
import type { AccountRegionStores } from '@localcloud/gateway';
import type { Logger } from 'winston';
import { parseArn, parseTaskDefinitionRef } from '../arn';
import { launchTypeOf } from '../domain/launch-type';
import { newTaskRecord } from '../domain/new-task';
import { serviceGroup, serviceTaskTags, tasksOfService } from '../domain/service';
import { ScopedTasks } from '../runtime/scoped-tasks';
import { refOf, type TaskRecord } from '../runtime/task-record';
import type { TaskRuntime } from '../runtime/task-runtime';
import type { EcsStore } from '../store/ecs-store';
import type { ServiceDeploymentRecord, ServiceRecord, ServiceRevisionRecord } from '../store/records';
import { keyOfArn, serviceDeploymentKeyOf } from '../domain/service-deployments';
import type { Scope } from '../arn';
import { withEvents } from './service-events';
import { editableService, type EditableService } from './editable-service';

/** What a pass over a service reads, besides time and the scheduler's own state in memory. */
export interface PassReads {
  /** The stored service record (frozen: the same object until it is put again). */
  readonly record: ServiceRecord;
  readonly store: EcsStore;
  readonly clusterName: string;
  /** The service's task group, `service:<name>`. */
  readonly group: string;
  /** The group's stamp in the task index: changes with every put or delete of one of its tasks. */
  readonly tasksStamp: number | undefined;
  /** The store's service deployments view's version: a StopServiceDeployment changes only those. */
  readonly serviceDeploymentsVersion: number;
}

export interface ServicePassOptions {
  readonly stores: AccountRegionStores<EcsStore>;
  readonly runtime: TaskRuntime;
  readonly logger: Logger;
}

/**
 * One reconciliation pass over one service: the service as the store has it, its tasks at that moment,
 * and what the pass's steps did (events to add, tasks started or stopped, record changed), saved once
 * at the end. The steps (`reconcile-steps.ts`) change `service`, a copy, and act through `stop`/`start`.
 */
export class ServicePass {
  readonly now = Date.now();
  readonly messages: string[] = [];
  /** Tasks were started or stopped. */
  acted = false;
  /** The service record changed. */
  changed = false;
  /** Service deployments and revisions to write with the service, by key. */
  private readonly serviceDeployments = new Map<string, ServiceDeploymentRecord>();
  private readonly revisions = new Map<string, ServiceRevisionRecord>();

  private constructor(
    private readonly options: ServicePassOptions,
    private readonly store: EcsStore,
    private readonly key: string,
    private readonly clusterName: string,
    private readonly scoped: ScopedTasks,
    readonly service: EditableService,
    readonly tasks: readonly TaskRecord[],
    /** What the pass read besides the service record, as it was when the pass opened (QuietServices). */
    readonly read: PassReads,
  ) {}

  /** A pass over the service as stored now; undefined when it no longer has work (gone or INACTIVE). */
  static open(options: ServicePassOptions, record: ServiceRecord): ServicePass | undefined {
    const arn = parseArn(record.serviceArn);
    const clusterArn = parseArn(record.clusterArn);
    if (!arn || !clusterArn) return undefined;
    const store = options.stores.get(arn.accountId, arn.region);
    const clusterName = clusterArn.resource;
    const key = `${clusterName}/${record.serviceName}`;
    // The store's own view of the record (the scan that found it may predate a handler's write).
    const current = store.services.get(key);
    if (!current || (current.status !== 'ACTIVE' && current.status !== 'DRAINING')) return undefined;
    const scoped = new ScopedTasks(store.tasks, options.runtime, async () => true, store.taskIndex);
    const group = serviceGroup(current.serviceName!);
    const read: PassReads = {
      record: current,
      store,
      clusterName,
      group,
      tasksStamp: store.taskIndex.groupStamp(clusterName, group),
      serviceDeploymentsVersion: store.serviceDeployments.version,
    };
    // Its own tasks only (the store's index by group): a pass costs the service's tasks, not the cluster's.
    const tasks = tasksOfService(current, scoped, clusterName);
    const service = editableService(current);
    return new ServicePass(options, store, key, clusterName, scoped, service, tasks, read);
  }

  get name(): string {
    return this.service.serviceName!;
  }

  get scope(): Scope {
    return this.store.scope;
  }

  /**
   * The service deployment a deployment (`ecs-svc/…`) belongs to, as this pass last wrote it: the stored
   * record itself (frozen), asked for on every pass; a step that changes it edits
   * `editableServiceDeployment(record)` and puts that (a `structuredClone` on every ask was most of an
   * idle pass once the service's own clone was gone).
   */
  serviceDeployment(deploymentId: string): Readonly<ServiceDeploymentRecord> | undefined {
    const key = serviceDeploymentKeyOf(this.service, deploymentId);
    if (!key) return undefined;
    return this.serviceDeployments.get(key) ?? this.store.serviceDeployments.get(key);
  }

  /** A service deployment to write at the end of the pass. */
  putServiceDeployment(record: ServiceDeploymentRecord): void {
    this.serviceDeployments.set(keyOfArn(record.serviceDeploymentArn, 'service-deployment')!, record);
  }

  /** A service revision to write at the end of the pass (a new one: revisions never change). */
  putRevision(record: ServiceRevisionRecord): void {
    this.revisions.set(keyOfArn(record.serviceRevisionArn, 'service-revision')!, record);
  }

  /** A stored revision by its ARN. */
  revision(arn: string): ServiceRevisionRecord | undefined {
    const key = keyOfArn(arn, 'service-revision');
    return key ? (this.revisions.get(key) ?? this.store.serviceRevisions.get(key)) : undefined;
  }

  /** A task definition revision by ARN, as stored. */
  definition(taskDefinitionArn: string): TaskDefinition | undefined {
    const ref = parseTaskDefinitionRef(taskDefinitionArn, this.store.scope);
    return ref?.revision ? this.store.taskDefinitions.get(`${ref.family}:${ref.revision}`)?.taskDefinition : undefined;
  }

  say(message: string): void {
    this.messages.push(message);
  }

  /** Asks the runtime to stop the tasks; the stops run in the background. */
  stop(tasks: readonly TaskRecord[], reason: string): void {
    for (const task of tasks)
      void this.options.runtime.stop(refOf(task), { stopCode: 'ServiceSchedulerInitiated', reason });
    if (tasks.length > 0) this.acted = true;
  }

  /** Stores and launches `count` new tasks of the deployment; returns their ARNs. */
  start(deployment: Deployment, count: number): string[] {
    const ref = parseTaskDefinitionRef(deployment.taskDefinition!, this.store.scope);
    const stored = ref?.revision ? this.store.taskDefinitions.get(`${ref.family}:${ref.revision}`) : undefined;
    if (!stored) {
      this.options.logger.warn('service task definition not found', {
        serviceArn: this.service.serviceArn,
        taskDefinition: deployment.taskDefinition,
      });
      return [];
    }
    const definition: TaskDefinition = stored.taskDefinition;
    const strategy = deployment.capacityProviderStrategy?.[0]?.capacityProvider;
    const started: string[] = [];
    for (let i = 0; i < count; i += 1) {
      const record = newTaskRecord({
        scope: this.store.scope,
        clusterName: this.clusterName,
        clusterArn: this.service.clusterArn,
        definition,
        launchType: launchTypeOf(deployment.launchType, strategy),
        capacityProviderName: strategy,
        startedBy: deployment.id,
        group: serviceGroup(this.name),
        tags: serviceTaskTags(this.service, stored.tags, this.clusterName),
        networkConfiguration: deployment.networkConfiguration,
        enableExecuteCommand: this.service.enableExecuteCommand,
      });
      this.scoped.put(record);
      this.options.runtime.launch(refOf(record), definition);
      started.push(record.taskArn);
    }
    if (started.length > 0) this.acted = true;
    return started;
  }

  /**
   * Writes the service back, with its new events, if the pass changed or said anything; and the service
   * deployments and revisions it changed, in one transaction with it.
   */
  save(): boolean {
    const writes = this.serviceDeployments.size + this.revisions.size;
    if (!this.changed && !this.acted && this.messages.length === 0 && writes === 0) return false;
    const next: ServiceRecord =
      this.messages.length > 0
        ? { ...this.service, events: withEvents(this.service.events, this.messages) }
        : this.service;
    this.store.transaction(() => {
      for (const [key, revision] of this.revisions) this.store.serviceRevisions.put(key, revision);
      for (const [key, record] of this.serviceDeployments) this.store.serviceDeployments.put(key, record);
      this.store.services.put(this.key, next);
    });
    return true;
  }
}
