import type { ServiceRecord, ServiceRevisionRecord } from '../store/records';

/*
 * What a rollback restores. ECS rolls a service back to the last deployment that completed (circuit
 * breaker) or to the service deployment's source revision (StopServiceDeployment): the whole service
 * revision, so the rollback's tasks register in that revision's target groups and Cloud Map services,
 * and DescribeServices shows that revision's settings again, not those of the update that failed.
 */

/** The settings of a service revision that a deployment deploys; what two revisions are compared by. */
function deployedSettings(revision: ServiceRevisionRecord) {
  return {
    taskDefinition: revision.taskDefinition,
    loadBalancers: revision.loadBalancers ?? [],
    serviceRegistries: revision.serviceRegistries ?? [],
    networkConfiguration: revision.networkConfiguration,
    launchType: revision.launchType,
    capacityProviderStrategy: revision.capacityProviderStrategy,
    platformVersion: revision.platformVersion,
    serviceConnectConfiguration: revision.serviceConnectConfiguration,
  };
}

/** Whether two revisions deploy the same thing, so rolling back from one to the other changes nothing. */
export function sameDeployedSettings(a: ServiceRevisionRecord, b: ServiceRevisionRecord): boolean {
  return JSON.stringify(deployedSettings(a)) === JSON.stringify(deployedSettings(b));
}

/** Puts a revision's settings back on the service, before the rollback deployment is made from it. */
export function restoreRevision(service: ServiceRecord, revision: ServiceRevisionRecord): void {
  const settings = structuredClone(deployedSettings(revision));
  service.taskDefinition = settings.taskDefinition;
  service.loadBalancers = settings.loadBalancers;
  service.serviceRegistries = settings.serviceRegistries;
  service.networkConfiguration = settings.networkConfiguration;
  service.launchType = settings.launchType;
  service.capacityProviderStrategy = settings.capacityProviderStrategy;
  service.platformVersion = settings.platformVersion;
  service.serviceConnectConfiguration = settings.serviceConnectConfiguration;
  if (!settings.serviceConnectConfiguration) {
    service.serviceConnectResources = undefined;
    service.serviceConnectNamespaceName = undefined;
  } else if (revision.local) {
    service.serviceConnectResources = structuredClone(revision.local.serviceConnectResources);
    service.serviceConnectNamespaceName = revision.local.serviceConnectNamespaceName;
  }
  // A revision stored before it kept its Cloud Map side leaves the service's as it is.
}
