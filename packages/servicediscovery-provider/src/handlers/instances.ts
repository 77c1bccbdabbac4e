import { truncateText } from '@localcloud/gateway';
import type {
  DeregisterInstanceRequest,
  DiscoverInstancesRequest,
  DiscoverInstancesResponse,
  DiscoverInstancesRevisionRequest,
  DiscoverInstancesRevisionResponse,
  GetInstanceRequest,
  GetInstanceResponse,
  GetInstancesHealthStatusRequest,
  GetInstancesHealthStatusResponse,
  HttpInstanceSummary,
  ListInstancesRequest,
  ListInstancesResponse,
  RegisterInstanceRequest,
  UpdateInstanceCustomHealthStatusRequest,
} from '@aws-sdk/client-servicediscovery';
import type { ServiceDiscoveryScope } from '../servicediscovery-scope';
import type { InstanceRecord, ServiceRecord } from '../store';
import { instanceKey } from '../store';
import { CustomHealthNotFound, InvalidInput, instanceNotFound, namespaceNotFound, serviceNotFound } from '../errors';
import { page } from '../pagination';
import { namespaceByName } from './namespaces';
import { recordOperation } from './operation-log';
import { requireService } from './services';

const MAX_ATTRIBUTES = 30;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

type Health = 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN';

/**
 * An instance's health: a custom health check's last reported status; UNKNOWN without a health check, and
 * for Route 53 health checks, which localcloud does not run (docs/servicediscovery-provider.md).
 */
export function healthOf(service: ServiceRecord, instance: InstanceRecord): Health {
  return service.HealthCheckCustomConfig ? (instance.customHealth ?? 'HEALTHY') : 'UNKNOWN';
}

function requireInstance(service: ServiceRecord, instanceId: string, sd: ServiceDiscoveryScope): InstanceRecord {
  const instance = sd.store.instances.get(instanceKey(service.Id, instanceId));
  if (!instance) throw instanceNotFound(instanceId);
  return instance;
}

function checkAttributes(service: ServiceRecord, attributes: Record<string, string>): void {
  if (Object.keys(attributes).length > MAX_ATTRIBUTES) {
    throw new InvalidInput(`An instance can have no more than ${MAX_ATTRIBUTES} attributes.`);
  }
  const ipv4 = attributes.AWS_INSTANCE_IPV4;
  if (ipv4 !== undefined && !IPV4.test(ipv4))
    throw new InvalidInput(`Invalid AWS_INSTANCE_IPV4: ${truncateText(ipv4)}`);
  const port = attributes.AWS_INSTANCE_PORT;
  if (port !== undefined && !(/^\d+$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) {
    throw new InvalidInput(`Invalid AWS_INSTANCE_PORT: ${truncateText(String(port))}`);
  }
  const init = attributes.AWS_INIT_HEALTH_STATUS;
  if (init !== undefined) {
    if (!service.HealthCheckCustomConfig) {
      throw new InvalidInput('AWS_INIT_HEALTH_STATUS is allowed only for services with HealthCheckCustomConfig.');
    }
    if (init !== 'HEALTHY' && init !== 'UNHEALTHY')
      throw new InvalidInput(`Invalid AWS_INIT_HEALTH_STATUS: ${truncateText(String(init))}`);
  }
  const types = (service.DnsConfig?.DnsRecords ?? []).map((r) => r.Type);
  if (
    (types.includes('A') || types.includes('SRV')) &&
    ipv4 === undefined &&
    attributes.AWS_INSTANCE_IPV6 === undefined
  ) {
    throw new InvalidInput('AWS_INSTANCE_IPV4 or AWS_INSTANCE_IPV6 is required for a service with A or SRV records.');
  }
  if (types.includes('AAAA') && attributes.AWS_INSTANCE_IPV6 === undefined) {
    throw new InvalidInput('AWS_INSTANCE_IPV6 is required for a service with AAAA records.');
  }
  if (types.includes('SRV') && port === undefined) {
    throw new InvalidInput('AWS_INSTANCE_PORT is required for a service with SRV records.');
  }
  if (types.includes('CNAME') && attributes.AWS_INSTANCE_CNAME === undefined) {
    throw new InvalidInput('AWS_INSTANCE_CNAME is required for a service with a CNAME record.');
  }
}

function bumpRevision(service: ServiceRecord, sd: ServiceDiscoveryScope): void {
  const current = sd.store.services.get(service.Id)!;
  sd.store.services.put(service.Id, { ...current, revision: current.revision + 1 });
}

/** Registers or, for an instance id already registered, replaces an instance; applied at once. */
export function registerInstance(input: RegisterInstanceRequest, sd: ServiceDiscoveryScope): { OperationId: string } {
  const service = requireService(input.ServiceId!, sd);
  const attributes = { ...input.Attributes };
  checkAttributes(service, attributes);
  const previous = sd.store.instances.get(instanceKey(service.Id, input.InstanceId!));
  const init = attributes.AWS_INIT_HEALTH_STATUS as InstanceRecord['customHealth'];
  const record: InstanceRecord = {
    serviceId: service.Id,
    Id: input.InstanceId!,
    Attributes: attributes,
    ...(input.CreatorRequestId !== undefined ? { CreatorRequestId: input.CreatorRequestId } : {}),
    ...(service.HealthCheckCustomConfig ? { customHealth: init ?? previous?.customHealth ?? 'HEALTHY' } : {}),
  };
  let OperationId = '';
  sd.store.transaction(() => {
    sd.store.instances.put(instanceKey(service.Id, record.Id), record);
    bumpRevision(service, sd);
    OperationId = recordOperation(sd, 'REGISTER_INSTANCE', { INSTANCE: record.Id, SERVICE: service.Id });
  });
  return { OperationId };
}

export function deregisterInstance(
  input: DeregisterInstanceRequest,
  sd: ServiceDiscoveryScope,
): { OperationId: string } {
  const service = requireService(input.ServiceId!, sd);
  const instance = requireInstance(service, input.InstanceId!, sd);
  let OperationId = '';
  sd.store.transaction(() => {
    sd.store.instances.delete(instanceKey(service.Id, instance.Id));
    bumpRevision(service, sd);
    OperationId = recordOperation(sd, 'DEREGISTER_INSTANCE', { INSTANCE: instance.Id, SERVICE: service.Id });
  });
  return { OperationId };
}

export function getInstance(input: GetInstanceRequest, sd: ServiceDiscoveryScope): GetInstanceResponse {
  const service = requireService(input.ServiceId!, sd);
  const instance = requireInstance(service, input.InstanceId!, sd);
  return {
    ResourceOwner: sd.scope.accountId,
    Instance: {
      Id: instance.Id,
      Attributes: { ...instance.Attributes },
      ...(instance.CreatorRequestId !== undefined ? { CreatorRequestId: instance.CreatorRequestId } : {}),
      CreatedByAccount: sd.scope.accountId,
    },
  };
}

export function listInstances(input: ListInstancesRequest, sd: ServiceDiscoveryScope): ListInstancesResponse {
  const service = requireService(input.ServiceId!, sd);
  const { items, NextToken } = page(sd.store.instancesOf(service.Id), input.NextToken, input.MaxResults);
  return {
    ResourceOwner: sd.scope.accountId,
    Instances: items.map((i) => ({ Id: i.Id, Attributes: { ...i.Attributes }, CreatedByAccount: sd.scope.accountId })),
    ...(NextToken ? { NextToken } : {}),
  };
}

export function getInstancesHealthStatus(
  input: GetInstancesHealthStatusRequest,
  sd: ServiceDiscoveryScope,
): GetInstancesHealthStatusResponse {
  const service = requireService(input.ServiceId!, sd);
  const instances = input.Instances
    ? input.Instances.map((id) => requireInstance(service, id, sd))
    : sd.store.instancesOf(service.Id);
  const { items, NextToken } = page(instances, input.NextToken, input.MaxResults);
  return {
    Status: Object.fromEntries(items.map((i) => [i.Id, healthOf(service, i)])),
    ...(NextToken ? { NextToken } : {}),
  };
}

export function updateInstanceCustomHealthStatus(
  input: UpdateInstanceCustomHealthStatusRequest,
  sd: ServiceDiscoveryScope,
): Record<string, never> {
  const service = requireService(input.ServiceId!, sd);
  if (!service.HealthCheckCustomConfig) {
    throw new CustomHealthNotFound(`Service ${service.Id} has no custom health check configuration.`);
  }
  const instance = requireInstance(service, input.InstanceId!, sd);
  if (instance.customHealth !== input.Status) {
    sd.store.transaction(() => {
      sd.store.instances.put(instanceKey(service.Id, instance.Id), {
        ...instance,
        customHealth: input.Status as InstanceRecord['customHealth'],
      });
      bumpRevision(service, sd);
    });
  }
  return {};
}

function discoveredService(namespaceName: string, serviceName: string, sd: ServiceDiscoveryScope): ServiceRecord {
  const ns = namespaceByName(namespaceName, sd);
  if (!ns) throw namespaceNotFound(namespaceName);
  const service = sd.store.servicesOf(ns.Id).find((s) => s.Name.toLowerCase() === serviceName.toLowerCase());
  if (!service) throw serviceNotFound(serviceName);
  return service;
}

const matchesAll = (i: InstanceRecord, params: Record<string, string>) =>
  Object.entries(params).every(([k, v]) => i.Attributes[k] === v);

/**
 * DiscoverInstances as Cloud Map answers it: instances whose attributes match `QueryParameters`, narrowed
 * by `OptionalParameters` when that leaves any, filtered by health (an instance without a health check
 * counts as healthy).
 */
export function discoverInstances(
  input: DiscoverInstancesRequest,
  sd: ServiceDiscoveryScope,
): DiscoverInstancesResponse {
  const service = discoveredService(input.NamespaceName!, input.ServiceName!, sd);
  const ns = sd.store.namespaces.get(service.NamespaceId)!;
  let candidates = sd.store.instancesOf(service.Id).filter((i) => matchesAll(i, input.QueryParameters ?? {}));
  if (input.OptionalParameters) {
    const narrowed = candidates.filter((i) => matchesAll(i, input.OptionalParameters!));
    if (narrowed.length > 0) candidates = narrowed;
  }
  const healthy = (i: InstanceRecord) => healthOf(service, i) !== 'UNHEALTHY';
  const wanted = input.HealthStatus ?? 'HEALTHY';
  if (wanted === 'HEALTHY') candidates = candidates.filter(healthy);
  else if (wanted === 'UNHEALTHY') candidates = candidates.filter((i) => !healthy(i));
  else if (wanted === 'HEALTHY_OR_ELSE_ALL' && candidates.some(healthy)) candidates = candidates.filter(healthy);
  const instances: HttpInstanceSummary[] = candidates.slice(0, input.MaxResults ?? 100).map((i) => ({
    InstanceId: i.Id,
    NamespaceName: ns.Properties.HttpProperties?.HttpName ?? ns.Name,
    ServiceName: service.Name,
    HealthStatus: healthOf(service, i),
    Attributes: { ...i.Attributes },
  }));
  return { Instances: instances, InstancesRevision: sd.store.services.get(service.Id)!.revision };
}

export function discoverInstancesRevision(
  input: DiscoverInstancesRevisionRequest,
  sd: ServiceDiscoveryScope,
): DiscoverInstancesRevisionResponse {
  const service = discoveredService(input.NamespaceName!, input.ServiceName!, sd);
  return { InstancesRevision: service.revision };
}
