import type { UpdateServiceRequest } from '@aws-sdk/client-ecs';
import type { AccountRegionStores } from '@localcloud/gateway';
import { clusterNameOf } from '../arn';
import type { TaskRecord } from '../runtime/task-record';
import { withEvents } from '../scheduler/service-events';
import type { EcsStore } from '../store/ecs-store';
import type { ServiceRecord } from '../store/records';

/** The stored service a task was started for (`group` = `service:<name>`), if any. */
export function serviceRecordOf(stores: AccountRegionStores<EcsStore>, task: TaskRecord): ServiceRecord | undefined {
  if (!task.group?.startsWith('service:')) return undefined;
  const serviceName = task.group.slice('service:'.length);
  const clusterName = clusterNameOf(task.clusterArn);
  return stores.get(task.accountId, task.region).services.get(`${clusterName}/${serviceName}`);
}

/** The stored service an UpdateService names (by name or ARN, in its cluster or `default`), if any. */
export function serviceByReference(store: EcsStore, input: UpdateServiceRequest): ServiceRecord | undefined {
  const last = (reference: string) => reference.slice(reference.lastIndexOf('/') + 1);
  const clusterName = input.cluster ? last(input.cluster) : 'default';
  if (!input.service) return undefined;
  return store.services.get(`${clusterName}/${last(input.service)}`);
}

/** Adds an event to a task's service, written at once (the scheduler's passes run synchronously). */
export function addServiceEvent(stores: AccountRegionStores<EcsStore>, task: TaskRecord, message: string): void {
  const service = serviceRecordOf(stores, task);
  if (!service) return;
  const key = `${clusterNameOf(task.clusterArn)}/${service.serviceName!}`;
  stores
    .get(task.accountId, task.region)
    .services.put(key, { ...service, events: withEvents(service.events, [message]) });
}
