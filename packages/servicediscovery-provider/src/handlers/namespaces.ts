import { truncateText } from '@localcloud/gateway';
import type {
  CreateHttpNamespaceRequest,
  CreatePrivateDnsNamespaceRequest,
  CreatePublicDnsNamespaceRequest,
  DeleteNamespaceRequest,
  GetNamespaceRequest,
  GetNamespaceResponse,
  ListNamespacesRequest,
  ListNamespacesResponse,
  Namespace,
  NamespaceFilter,
  Tag,
  UpdateHttpNamespaceRequest,
  UpdatePrivateDnsNamespaceRequest,
  UpdatePublicDnsNamespaceRequest,
} from '@aws-sdk/client-servicediscovery';
import type { ServiceDiscoveryScope } from '../servicediscovery-scope';
import type { NamespaceRecord, NamespaceType } from '../store';
import { InvalidInput, NamespaceAlreadyExists, ResourceInUse, namespaceNotFound } from '../errors';
import { idOf, newHostedZoneId, newNamespaceId, resourceArn } from '../ids';
import { page } from '../pagination';
import { recordOperation } from './operation-log';
import { applyTags, forgetTags } from './tags';

/** AWS's default SOA TTL for a DNS namespace's hosted zone. */
const DEFAULT_SOA_TTL = 15;

export function requireNamespace(idOrArn: string, sd: ServiceDiscoveryScope): NamespaceRecord {
  const ns = sd.store.namespaces.get(idOf(idOrArn));
  if (!ns) throw namespaceNotFound(idOrArn);
  return ns;
}

/** The namespace a DiscoverInstances call names: by its HTTP name, which is the namespace's name. */
export function namespaceByName(name: string, sd: ServiceDiscoveryScope): NamespaceRecord | undefined {
  const lower = name.toLowerCase().replace(/\.$/, '');
  return [...sd.store.namespaces.values()].find((ns) => ns.Name.toLowerCase() === lower);
}

interface NewNamespace {
  Name: string;
  Type: NamespaceType;
  Description?: string;
  CreatorRequestId?: string;
  Tags?: Tag[];
  Vpc?: string;
  soaTtl?: number;
}

function createNamespace(spec: NewNamespace, sd: ServiceDiscoveryScope): { OperationId: string } {
  const name = spec.Name.replace(/\.$/, '');
  if (
    spec.Type !== 'HTTP' &&
    !/^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/.test(name)
  ) {
    throw new InvalidInput(`Namespace name is not a valid domain name: ${truncateText(spec.Name ?? '')}`);
  }
  const existing = namespaceByName(name, sd);
  if (existing) {
    // A retried request (same CreatorRequestId) is answered like the first one, as AWS does.
    if (spec.CreatorRequestId !== undefined && existing.CreatorRequestId === spec.CreatorRequestId) {
      const op = [...sd.store.operations.values()].find(
        (o) => o.Type === 'CREATE_NAMESPACE' && o.Targets.NAMESPACE === existing.Id,
      );
      if (op) return { OperationId: op.Id };
    }
    throw new NamespaceAlreadyExists(`Namespace with name ${name} already exists.`);
  }
  const Id = newNamespaceId();
  const record: NamespaceRecord = {
    Id,
    Arn: resourceArn(sd.scope, 'namespace', Id),
    Name: name,
    Type: spec.Type,
    ...(spec.Description !== undefined ? { Description: spec.Description } : {}),
    Properties: {
      DnsProperties:
        spec.Type === 'HTTP' ? {} : { HostedZoneId: newHostedZoneId(), SOA: { TTL: spec.soaTtl ?? DEFAULT_SOA_TTL } },
      HttpProperties: { HttpName: name },
    },
    ...(spec.Vpc !== undefined ? { Vpc: spec.Vpc } : {}),
    CreateDate: new Date(),
    ...(spec.CreatorRequestId !== undefined ? { CreatorRequestId: spec.CreatorRequestId } : {}),
  };
  let OperationId = '';
  sd.store.transaction(() => {
    sd.store.namespaces.put(Id, record);
    applyTags(record.Arn, spec.Tags, sd);
    OperationId = recordOperation(sd, 'CREATE_NAMESPACE', { NAMESPACE: Id });
  });
  return { OperationId };
}

export const createHttpNamespace = (input: CreateHttpNamespaceRequest, sd: ServiceDiscoveryScope) =>
  createNamespace({ ...input, Name: input.Name!, Type: 'HTTP' }, sd);

export const createPrivateDnsNamespace = (input: CreatePrivateDnsNamespaceRequest, sd: ServiceDiscoveryScope) =>
  createNamespace(
    {
      ...input,
      Name: input.Name!,
      Type: 'DNS_PRIVATE',
      soaTtl: input.Properties?.DnsProperties?.SOA?.TTL,
    },
    sd,
  );

export const createPublicDnsNamespace = (input: CreatePublicDnsNamespaceRequest, sd: ServiceDiscoveryScope) =>
  createNamespace(
    { ...input, Name: input.Name!, Type: 'DNS_PUBLIC', soaTtl: input.Properties?.DnsProperties?.SOA?.TTL },
    sd,
  );

function describe(ns: NamespaceRecord, sd: ServiceDiscoveryScope): Namespace {
  const { Vpc: _vpc, ...shown } = ns;
  return { ...shown, ResourceOwner: sd.scope.accountId, ServiceCount: sd.store.servicesOf(ns.Id).length };
}

export function getNamespace(input: GetNamespaceRequest, sd: ServiceDiscoveryScope): GetNamespaceResponse {
  return { Namespace: describe(requireNamespace(input.Id!, sd), sd) };
}

function filterNamespace(ns: Namespace, filter: NamespaceFilter): boolean {
  const values = filter.Values ?? [];
  const condition = filter.Condition ?? 'EQ';
  const actual =
    filter.Name === 'TYPE'
      ? ns.Type
      : filter.Name === 'NAME'
        ? ns.Name
        : filter.Name === 'HTTP_NAME'
          ? ns.Properties?.HttpProperties?.HttpName
          : ns.ResourceOwner;
  if (condition === 'EQ' || condition === 'IN') {
    if (condition === 'EQ' && values.length !== 1) throw new InvalidInput('The EQ condition takes one value.');
    return actual !== undefined && values.includes(actual);
  }
  if (condition === 'BEGINS_WITH' && filter.Name !== 'TYPE') {
    return actual !== undefined && values.some((v) => actual.startsWith(v));
  }
  throw new InvalidInput(`The ${filter.Name} filter does not take the ${condition} condition.`);
}

export function listNamespaces(input: ListNamespacesRequest, sd: ServiceDiscoveryScope): ListNamespacesResponse {
  const all = [...sd.store.namespaces.values()]
    .map((ns) => describe(ns, sd))
    .filter((ns) => (input.Filters ?? []).every((f) => filterNamespace(ns, f)));
  const { items, NextToken } = page(all, input.NextToken, input.MaxResults);
  return {
    Namespaces: items.map(({ CreatorRequestId: _c, ...summary }) => summary),
    ...(NextToken ? { NextToken } : {}),
  };
}

export function deleteNamespace(input: DeleteNamespaceRequest, sd: ServiceDiscoveryScope): { OperationId: string } {
  const ns = requireNamespace(input.Id!, sd);
  if (sd.store.servicesOf(ns.Id).length > 0) {
    throw new ResourceInUse(`Namespace ${ns.Id} has associated services.`);
  }
  let OperationId = '';
  sd.store.transaction(() => {
    sd.store.namespaces.delete(ns.Id);
    forgetTags('namespace', ns.Id, sd);
    OperationId = recordOperation(sd, 'DELETE_NAMESPACE', { NAMESPACE: ns.Id });
  });
  return { OperationId };
}

function updateNamespace(
  idOrArn: string,
  type: NamespaceType,
  change: { Description?: string; soaTtl?: number },
  sd: ServiceDiscoveryScope,
): { OperationId: string } {
  const ns = requireNamespace(idOrArn, sd);
  if (ns.Type !== type) throw new InvalidInput(`Namespace ${ns.Id} is of type ${ns.Type}, not ${type}.`);
  const next: NamespaceRecord = {
    ...ns,
    ...(change.Description !== undefined ? { Description: change.Description } : {}),
    Properties:
      change.soaTtl !== undefined
        ? { ...ns.Properties, DnsProperties: { ...ns.Properties.DnsProperties, SOA: { TTL: change.soaTtl } } }
        : ns.Properties,
  };
  let OperationId = '';
  sd.store.transaction(() => {
    sd.store.namespaces.put(ns.Id, next);
    OperationId = recordOperation(sd, 'UPDATE_NAMESPACE', { NAMESPACE: ns.Id });
  });
  return { OperationId };
}

export const updateHttpNamespace = (input: UpdateHttpNamespaceRequest, sd: ServiceDiscoveryScope) =>
  updateNamespace(input.Id!, 'HTTP', { Description: input.Namespace?.Description }, sd);

export const updatePrivateDnsNamespace = (input: UpdatePrivateDnsNamespaceRequest, sd: ServiceDiscoveryScope) =>
  updateNamespace(
    input.Id!,
    'DNS_PRIVATE',
    { Description: input.Namespace?.Description, soaTtl: input.Namespace?.Properties?.DnsProperties?.SOA?.TTL },
    sd,
  );

export const updatePublicDnsNamespace = (input: UpdatePublicDnsNamespaceRequest, sd: ServiceDiscoveryScope) =>
  updateNamespace(
    input.Id!,
    'DNS_PUBLIC',
    { Description: input.Namespace?.Description, soaTtl: input.Namespace?.Properties?.DnsProperties?.SOA?.TTL },
    sd,
  );
