import type { AccountRegionStores } from '@localcloud/gateway';
import type { Logger } from 'winston';
import type { Scope } from '../arn';
import { clusterNameOf } from '../arn';
import { tasksOfService } from '../domain/service';
import { findTaskDefinition } from '../handlers/task-definitions';
import type { ScopedTasks } from '../runtime/scoped-tasks';
import type { EcsStore } from '../store/ecs-store';
import type { ServiceRecord } from '../store/records';
import { AliasPublisher, type AliasNameTable } from './alias-publisher';
import type { ServerService } from './aliases';
import { serviceConnectGroups } from './task-service-connect';

export interface TaskAliasesOptions {
  readonly stores: AccountRegionStores<EcsStore>;
  /** An account's and region's tasks, as the handlers read them. */
  readonly tasksOf: (store: EcsStore) => ScopedTasks;
  readonly proxyHost: () => string | undefined;
  readonly table: () => AliasNameTable | undefined;
  readonly ensureServed: () => Promise<unknown>;
  readonly logger: Logger;
}

/** The publisher of Service Connect client aliases, reading services, tasks and task definitions from the store. */
export function createTaskAliases(options: TaskAliasesOptions): AliasPublisher {
  return new AliasPublisher({
    servicesOf: (scope) => serverServices(options.stores.get(scope.accountId, scope.region), options.tasksOf),
    proxyHost: options.proxyHost,
    table: options.table,
    ensureServed: options.ensureServed,
    logger: options.logger,
  });
}

/**
 * The account's and region's services that use Service Connect, with their tasks (aliases.ts): one entry
 * per set of settings their live tasks run with, so an older deployment's tasks serve its aliases until they
 * stop, even once the service has other settings or none (task-service-connect.ts).
 */
export function serverServices(store: EcsStore, tasksOf: (store: EcsStore) => ScopedTasks): ServerService[] {
  const tasks = tasksOf(store);
  const services: ServerService[] = [];
  for (const record of store.services.values()) {
    if (record.status === 'INACTIVE') continue;
    const clusterName = clusterNameOf(record.clusterArn);
    const groups = serviceConnectGroups(record, tasksOfService(record, tasks, clusterName), (key) =>
      store.serviceRevisions.get(key),
    );
    for (const group of groups) {
      services.push({
        record: {
          ...record,
          taskDefinition: group.taskDefinition,
          serviceConnectConfiguration: group.state.configuration,
          serviceConnectResources: group.state.resources,
          serviceConnectNamespaceName: group.state.namespaceName,
        },
        clusterName,
        tasks: group.tasks,
        definitionOf: (arn) => (arn ? findTaskDefinition(store, store.scope, arn)?.taskDefinition : undefined),
      });
    }
  }
  return services;
}

/**
 * Every account and region with a live service among `services` (all of the state's): one whose
 * Service Connect is off may still have tasks of a deployment with it.
 */
export function serviceConnectScopes(services: Iterable<ServiceRecord>): Scope[] {
  const scopes = new Map<string, Scope>();
  for (const record of services) {
    if (record.status === 'INACTIVE') continue;
    const [, , , region, accountId] = record.serviceArn.split(':');
    if (region && accountId) scopes.set(`${accountId}/${region}`, { accountId, region });
  }
  return [...scopes.values()];
}
