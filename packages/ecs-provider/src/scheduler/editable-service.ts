import type { Deployment } from '@aws-sdk/client-ecs';
import type { ServiceDeploymentRecord, ServiceRecord } from '../store/records';

/** A service as a pass may edit it: the record, its deployment list and each deployment are its own. */
export type EditableService = ServiceRecord & { deployments: Deployment[] };

/**
 * A copy of a stored service that the reconcile steps may edit: the service itself, its deployment and
 * task set lists and each deployment and task set in them are fresh objects (the steps set fields on
 * those: rollout state, desired count, stability); everything deeper (events, tags, network and load
 * balancer settings…) is shared with the stored record, which is frozen, so a step that edits deeper
 * throws instead of altering the stored service. A `structuredClone` of every service on every pass
 * was most of an idle gateway's CPU with many services (docs/benchmarks.md, the scheduler round).
 */
export function editableService(record: ServiceRecord): EditableService {
  const next = { ...record, deployments: record.deployments?.map((deployment) => ({ ...deployment })) ?? [] };
  if (record.taskSets) next.taskSets = record.taskSets.map((taskSet) => ({ ...taskSet }));
  return next;
}

/** A copy of a stored service deployment whose top level and `local` a step may edit (deeper: frozen). */
export function editableServiceDeployment(record: Readonly<ServiceDeploymentRecord>): ServiceDeploymentRecord {
  return { ...record, local: { ...record.local } };
}
