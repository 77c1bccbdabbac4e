import type { AccountRegionStores, ServiceProvider } from '@localcloud/gateway';
import type { Logger } from 'winston';
import { clusterNameOf } from '../arn';
import { taskDeploymentSetting } from '../domain/task-deployment-setting';
import { addServiceEvent, serviceRecordOf } from '../domain/task-service';
import { findTaskDefinition } from '../handlers/task-definitions';
import type { HoldingsStore } from '../registration/task-holdings';
import type { TaskRecord, TaskRef } from '../runtime/task-record';
import type { EcsStore } from '../store/ecs-store';
import { TargetRegistrar, type TargetRegistrarOptions } from './target-registrar';
import { localEc2InstanceId, type TaskHost } from './targets';

export interface TaskTargetsOptions {
  readonly stores: AccountRegionStores<EcsStore>;
  readonly get: (ref: TaskRef) => TaskRecord | undefined;
  /** Stores a task record's new version (its holdings: registration/task-holdings.ts) and awaits it. */
  readonly put: HoldingsStore['put'];
  readonly durable?: HoldingsStore['durable'];
  /** The ELBv2 provider, looked up when needed (providers are created one after another). */
  readonly elb: () => Promise<ServiceProvider | undefined>;
  readonly onHealthChanged: () => void;
  readonly logger: Logger;
  /** Deregistrations still to be made, kept across restarts (target-registrar.ts). */
  readonly leftBehind?: TargetRegistrarOptions['leftBehind'];
}

/** The registrar of service tasks in their target groups, reading services and task definitions from the store. */
export function createTaskTargets(options: TaskTargetsOptions): TargetRegistrar {
  const { stores } = options;
  return new TargetRegistrar({
    get: options.get,
    put: options.put,
    durable: options.durable,
    serviceOf: (task) => {
      const service = serviceRecordOf(stores, task);
      return (
        service && {
          serviceName: service.serviceName!,
          loadBalancers: taskDeploymentSetting('loadBalancers', task, service, (key) =>
            stores.get(task.accountId, task.region).serviceRevisions.get(key),
          ),
          host: taskHostOf(stores.get(task.accountId, task.region), task),
        }
      );
    },
    elb: options.elb,
    event: (task, message) => addServiceEvent(stores, task, message),
    onHealthChanged: options.onHealthChanged,
    logger: options.logger,
    leftBehind: options.leftBehind,
  });
}

/** Where a task runs, for its `instance` targets: its container instance's EC2 id and its network mode. */
function taskHostOf(store: EcsStore, task: TaskRecord): TaskHost {
  const scope = { accountId: task.accountId, region: task.region };
  const definition = task.taskDefinitionArn ? findTaskDefinition(store, scope, task.taskDefinitionArn) : undefined;
  const instanceArn = task.containerInstanceArn;
  const id = instanceArn?.slice(instanceArn.lastIndexOf('/') + 1);
  const instance = id ? store.containerInstances.get(`${clusterNameOf(task.clusterArn)}/${id}`) : undefined;
  return {
    networkMode: definition?.taskDefinition.networkMode ?? 'bridge',
    instanceId: instance?.ec2InstanceId ?? (id ? localEc2InstanceId(id) : undefined),
  };
}
