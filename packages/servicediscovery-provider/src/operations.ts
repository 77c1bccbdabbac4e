import type { OperationHandler } from '@localcloud/gateway';
import type { ServiceDiscoveryScope } from './servicediscovery-scope';
import {
  createHttpNamespace,
  createPrivateDnsNamespace,
  createPublicDnsNamespace,
  deleteNamespace,
  getNamespace,
  listNamespaces,
  updateHttpNamespace,
  updatePrivateDnsNamespace,
  updatePublicDnsNamespace,
} from './handlers/namespaces';
import {
  createService,
  deleteService,
  deleteServiceAttributes,
  getService,
  getServiceAttributes,
  listServices,
  updateService,
  updateServiceAttributes,
} from './handlers/services';
import {
  deregisterInstance,
  discoverInstances,
  discoverInstancesRevision,
  getInstance,
  getInstancesHealthStatus,
  listInstances,
  registerInstance,
  updateInstanceCustomHealthStatus,
} from './handlers/instances';
import { getOperation, listOperations } from './handlers/operation-log';
import { listTagsForResource, tagResource, untagResource } from './handlers/tags';

export type { ServiceDiscoveryScope } from './servicediscovery-scope';

/** The Cloud Map operations localcloud implements, by API operation name: all 30 of the API. */
export const SERVICEDISCOVERY_HANDLERS: Readonly<Record<string, OperationHandler<ServiceDiscoveryScope>>> = {
  CreateHttpNamespace: createHttpNamespace,
  CreatePrivateDnsNamespace: createPrivateDnsNamespace,
  CreatePublicDnsNamespace: createPublicDnsNamespace,
  GetNamespace: getNamespace,
  ListNamespaces: listNamespaces,
  DeleteNamespace: deleteNamespace,
  UpdateHttpNamespace: updateHttpNamespace,
  UpdatePrivateDnsNamespace: updatePrivateDnsNamespace,
  UpdatePublicDnsNamespace: updatePublicDnsNamespace,
  GetOperation: getOperation,
  ListOperations: listOperations,
  CreateService: createService,
  GetService: getService,
  ListServices: listServices,
  UpdateService: updateService,
  DeleteService: deleteService,
  GetServiceAttributes: getServiceAttributes,
  UpdateServiceAttributes: updateServiceAttributes,
  DeleteServiceAttributes: deleteServiceAttributes,
  RegisterInstance: registerInstance,
  DeregisterInstance: deregisterInstance,
  GetInstance: getInstance,
  ListInstances: listInstances,
  GetInstancesHealthStatus: getInstancesHealthStatus,
  UpdateInstanceCustomHealthStatus: updateInstanceCustomHealthStatus,
  DiscoverInstances: discoverInstances,
  DiscoverInstancesRevision: discoverInstancesRevision,
  TagResource: tagResource,
  UntagResource: untagResource,
  ListTagsForResource: listTagsForResource,
};
