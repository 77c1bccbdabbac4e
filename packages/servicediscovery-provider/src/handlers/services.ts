import type {
  CreateServiceRequest,
  CreateServiceResponse,
  DeleteServiceAttributesRequest,
  DeleteServiceRequest,
  GetServiceAttributesRequest,
  GetServiceAttributesResponse,
  GetServiceRequest,
  GetServiceResponse,
  ListServicesRequest,
  ListServicesResponse,
  Service,
  ServiceFilter,
  UpdateServiceAttributesRequest,
  UpdateServiceRequest,
} from '@aws-sdk/client-servicediscovery';
import type { ServiceDiscoveryScope } from '../servicediscovery-scope';
import type { ServiceRecord, ServiceType } from '../store';
import {
  InvalidInput,
  ResourceInUse,
  ServiceAlreadyExists,
  ServiceAttributesLimitExceededException,
  serviceNotFound,
} from '../errors';
import { idOf, newServiceId, resourceArn } from '../ids';
import { page } from '../pagination';
import { requireNamespace } from './namespaces';
import { recordOperation } from './operation-log';
import { applyTags, forgetTags } from './tags';

const MAX_SERVICE_ATTRIBUTES = 30;

export function requireService(idOrArn: string, sd: ServiceDiscoveryScope): ServiceRecord {
  const service = sd.store.services.get(idOf(idOrArn));
  if (!service) throw serviceNotFound(idOrArn);
  return service;
}

export function describeService(service: ServiceRecord, sd: ServiceDiscoveryScope): Service {
  const { revision: _r, Attributes: _a, ...shown } = service;
  return {
    ...shown,
    ResourceOwner: sd.scope.accountId,
    CreatedByAccount: sd.scope.accountId,
    InstanceCount: sd.store.instancesOf(service.Id).length,
  };
}

export function createService(input: CreateServiceRequest, sd: ServiceDiscoveryScope): CreateServiceResponse {
  const namespaceId = input.NamespaceId ?? input.DnsConfig?.NamespaceId;
  if (namespaceId === undefined) throw new InvalidInput('NamespaceId is required.');
  const ns = requireNamespace(namespaceId, sd);
  if (input.HealthCheckConfig && input.HealthCheckCustomConfig) {
    throw new InvalidInput('A service can have HealthCheckConfig or HealthCheckCustomConfig, not both.');
  }
  let type: ServiceType;
  if (ns.Type === 'HTTP') {
    if (input.DnsConfig) throw new InvalidInput('DnsConfig is not allowed for a service in an HTTP namespace.');
    type = 'HTTP';
  } else if (input.Type === 'HTTP') {
    if (input.DnsConfig) throw new InvalidInput('DnsConfig is not allowed for a service of type HTTP.');
    type = 'HTTP';
  } else {
    if (!input.DnsConfig) throw new InvalidInput('DnsConfig is required for a service in a DNS namespace.');
    checkDnsRecords(input.DnsConfig.DnsRecords ?? []);
    type = 'DNS_HTTP';
  }
  if (input.HealthCheckConfig && ns.Type === 'DNS_PRIVATE') {
    throw new InvalidInput('HealthCheckConfig is not allowed for a service in a private DNS namespace.');
  }
  const existing = sd.store.servicesOf(ns.Id).find((s) => s.Name.toLowerCase() === input.Name!.toLowerCase());
  if (existing) {
    if (input.CreatorRequestId !== undefined && existing.CreatorRequestId === input.CreatorRequestId) {
      return { Service: describeService(existing, sd) };
    }
    throw new ServiceAlreadyExists(`Service already exists: ${existing.Id}`);
  }
  const Id = newServiceId();
  const record: ServiceRecord = {
    Id,
    Arn: resourceArn(sd.scope, 'service', Id),
    Name: input.Name!,
    NamespaceId: ns.Id,
    Type: type,
    ...(input.Description !== undefined ? { Description: input.Description } : {}),
    ...(input.DnsConfig
      ? {
          DnsConfig: {
            NamespaceId: ns.Id,
            RoutingPolicy: input.DnsConfig.RoutingPolicy ?? 'MULTIVALUE',
            DnsRecords: input.DnsConfig.DnsRecords,
          },
        }
      : {}),
    ...(input.HealthCheckConfig ? { HealthCheckConfig: { FailureThreshold: 1, ...input.HealthCheckConfig } } : {}),
    ...(input.HealthCheckCustomConfig ? { HealthCheckCustomConfig: input.HealthCheckCustomConfig } : {}),
    CreateDate: new Date(),
    ...(input.CreatorRequestId !== undefined ? { CreatorRequestId: input.CreatorRequestId } : {}),
    Attributes: {},
    revision: 1,
  };
  sd.store.transaction(() => {
    sd.store.services.put(Id, record);
    applyTags(record.Arn, input.Tags, sd);
  });
  return { Service: describeService(record, sd) };
}

function checkDnsRecords(records: readonly { Type?: string }[]): void {
  if (records.length === 0) throw new InvalidInput('DnsRecords must contain at least one record.');
  const types = records.map((r) => r.Type);
  if (new Set(types).size !== types.length) throw new InvalidInput('DnsRecords cannot repeat a record type.');
  if (types.includes('CNAME') && types.length > 1) throw new InvalidInput('A CNAME record cannot be combined.');
}

export function getService(input: GetServiceRequest, sd: ServiceDiscoveryScope): GetServiceResponse {
  return { Service: describeService(requireService(input.Id!, sd), sd) };
}

function filterService(service: ServiceRecord, filter: ServiceFilter, sd: ServiceDiscoveryScope): boolean {
  const values = filter.Values ?? [];
  const condition = filter.Condition ?? 'EQ';
  if (condition !== 'EQ' && condition !== 'IN') {
    throw new InvalidInput(`The ${filter.Name} filter takes the EQ or IN condition.`);
  }
  if (condition === 'EQ' && values.length !== 1) throw new InvalidInput('The EQ condition takes one value.');
  if (filter.Name === 'NAMESPACE_ID') return values.map(idOf).includes(service.NamespaceId);
  return values.includes(sd.scope.accountId);
}

export function listServices(input: ListServicesRequest, sd: ServiceDiscoveryScope): ListServicesResponse {
  const all = [...sd.store.services.values()].filter((s) =>
    (input.Filters ?? []).every((f) => filterService(s, f, sd)),
  );
  const { items, NextToken } = page(all, input.NextToken, input.MaxResults);
  return {
    Services: items.map((s) => {
      const { NamespaceId: _n, CreatorRequestId: _c, ResourceOwner: _o, ...summary } = describeService(s, sd);
      return summary;
    }),
    ...(NextToken ? { NextToken } : {}),
  };
}

export function updateService(input: UpdateServiceRequest, sd: ServiceDiscoveryScope): { OperationId: string } {
  const service = requireService(input.Id!, sd);
  const change = input.Service!;
  if (change.DnsConfig) {
    if (!service.DnsConfig) throw new InvalidInput('The service has no DNS configuration to update.');
    checkDnsRecords(change.DnsConfig.DnsRecords ?? []);
    const before = service.DnsConfig.DnsRecords!.map((r) => r.Type)
      .sort()
      .join(',');
    const after = change.DnsConfig.DnsRecords!.map((r) => r.Type)
      .sort()
      .join(',');
    if (before !== after) throw new InvalidInput('UpdateService can change the TTLs of DNS records, not their types.');
  }
  if (change.HealthCheckConfig && !service.HealthCheckConfig) {
    throw new InvalidInput('The service was created without HealthCheckConfig.');
  }
  const next: ServiceRecord = {
    ...service,
    ...(change.Description !== undefined ? { Description: change.Description } : {}),
    ...(change.DnsConfig ? { DnsConfig: { ...service.DnsConfig, DnsRecords: change.DnsConfig.DnsRecords } } : {}),
    ...(change.HealthCheckConfig ? { HealthCheckConfig: { FailureThreshold: 1, ...change.HealthCheckConfig } } : {}),
  };
  let OperationId = '';
  sd.store.transaction(() => {
    sd.store.services.put(service.Id, next);
    OperationId = recordOperation(sd, 'UPDATE_SERVICE', { SERVICE: service.Id });
  });
  return { OperationId };
}

export function deleteService(input: DeleteServiceRequest, sd: ServiceDiscoveryScope): Record<string, never> {
  const service = requireService(input.Id!, sd);
  if (sd.store.instancesOf(service.Id).length > 0) {
    throw new ResourceInUse(`Service ${service.Id} has registered instances.`);
  }
  sd.store.transaction(() => {
    sd.store.services.delete(service.Id);
    forgetTags('service', service.Id, sd);
  });
  return {};
}

export function getServiceAttributes(
  input: GetServiceAttributesRequest,
  sd: ServiceDiscoveryScope,
): GetServiceAttributesResponse {
  const service = requireService(input.ServiceId!, sd);
  return { ServiceAttributes: { ServiceArn: service.Arn, Attributes: { ...service.Attributes } } };
}

export function updateServiceAttributes(
  input: UpdateServiceAttributesRequest,
  sd: ServiceDiscoveryScope,
): Record<string, never> {
  const service = requireService(input.ServiceId!, sd);
  const merged = { ...service.Attributes, ...input.Attributes };
  if (Object.keys(merged).length > MAX_SERVICE_ATTRIBUTES) {
    throw new ServiceAttributesLimitExceededException(
      `A service can have no more than ${MAX_SERVICE_ATTRIBUTES} attributes.`,
    );
  }
  sd.store.services.put(service.Id, { ...service, Attributes: merged });
  return {};
}

export function deleteServiceAttributes(
  input: DeleteServiceAttributesRequest,
  sd: ServiceDiscoveryScope,
): Record<string, never> {
  const service = requireService(input.ServiceId!, sd);
  const remaining = { ...service.Attributes };
  for (const key of input.Attributes ?? []) delete remaining[key];
  sd.store.services.put(service.Id, { ...service, Attributes: remaining });
  return {};
}
