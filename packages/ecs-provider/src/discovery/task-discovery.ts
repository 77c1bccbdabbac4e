import type { AccountRegionStores, ServiceProvider } from '@localcloud/gateway';
import type { Logger } from 'winston';
import { clusterNameOf } from '../arn';
import { taskDeploymentSetting } from '../domain/task-deployment-setting';
import { serviceRecordOf } from '../domain/task-service';
import { findTaskDefinition } from '../handlers/task-definitions';
import type { HoldingsStore } from '../registration/task-holdings';
import type { TaskRecord, TaskRef } from '../runtime/task-record';
import { serviceConnectRegistries } from '../service-connect/configuration';
import { taskServiceConnect } from '../service-connect/task-service-connect';
import type { EcsStore } from '../store/ecs-store';
import type { ServiceRecord } from '../store/records';
import { ServiceRegistrar, type ServiceRegistrarOptions, type TaskService } from './service-registrar';

export interface TaskDiscoveryOptions {
  readonly stores: AccountRegionStores<EcsStore>;
  readonly get: (ref: TaskRef) => TaskRecord | undefined;
  /** Stores a task record's new version (its holdings: registration/task-holdings.ts) and awaits it. */
  readonly put: HoldingsStore['put'];
  readonly durable?: HoldingsStore['durable'];
  /** The Cloud Map provider, looked up when needed (providers are created one after another). */
  readonly cloudMap: () => Promise<ServiceProvider | undefined>;
  readonly logger: Logger;
  /** Deregistrations still to be made, kept across restarts (service-registrar.ts). */
  readonly leftBehind?: ServiceRegistrarOptions['leftBehind'];
}

/** The registrar of service tasks in Cloud Map, reading services, revisions and task definitions from the store. */
export function createTaskDiscovery(options: TaskDiscoveryOptions): ServiceRegistrar {
  return new ServiceRegistrar({
    get: options.get,
    put: options.put,
    durable: options.durable,
    serviceOf: (task) => taskServiceOf(options.stores, task),
    cloudMap: options.cloudMap,
    logger: options.logger,
    leftBehind: options.leftBehind,
  });
}

/** The ECS service a task was started for, with the Cloud Map registries the task registers in. */
export function taskServiceOf(stores: AccountRegionStores<EcsStore>, task: TaskRecord): TaskService | undefined {
  const service = serviceRecordOf(stores, task);
  if (!service) return undefined;
  const store = stores.get(task.accountId, task.region);
  return {
    serviceName: service.serviceName!,
    clusterName: clusterNameOf(task.clusterArn),
    // Service Connect registers server tasks in Cloud Map the way serviceRegistries does.
    serviceRegistries: [...ownRegistries(store, service, task), ...serviceConnectRegistriesOf(store, service, task)],
  };
}

/**
 * Whether a task calls names that may not be published yet: the deployment that launched it uses Service
 * Connect (not the service as it is now: a rollout adding or removing it leaves old tasks as they were), or the task
 * itself registers in Cloud Map (its own deployment's or task set's `serviceRegistries`, as it registers),
 * so it gets the local DNS even while the table is empty.
 */
export function expectsNames(stores: AccountRegionStores<EcsStore>, task: TaskRecord | undefined): boolean {
  const service = task && serviceRecordOf(stores, task);
  if (!service) return false;
  const store = stores.get(task.accountId, task.region);
  if (serviceConnectOf(store, service, task)) return true;
  return ownRegistries(store, service, task).length > 0;
}

/** The task's own `serviceRegistries`: its task set's, its deployment revision's, else the service's. */
function ownRegistries(store: EcsStore, service: ServiceRecord, task: TaskRecord) {
  return taskDeploymentSetting('serviceRegistries', task, service, (key) => store.serviceRevisions.get(key));
}

/** The Service Connect settings of the deployment that launched the task (not the service's now). */
function serviceConnectOf(store: EcsStore, service: ServiceRecord, task: TaskRecord) {
  return taskServiceConnect(task, service, (key) => store.serviceRevisions.get(key));
}

function serviceConnectRegistriesOf(store: EcsStore, service: ServiceRecord, task: TaskRecord) {
  const state = serviceConnectOf(store, service, task);
  if (!state || !task.taskDefinitionArn) return [];
  return serviceConnectRegistries(state, findTaskDefinition(store, task, task.taskDefinitionArn)?.taskDefinition);
}
