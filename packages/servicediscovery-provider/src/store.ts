import type { DurableTable, StateStore } from '@localcloud/persistence';
import type {
  OperationType,
  DnsConfig,
  HealthCheckConfig,
  HealthCheckCustomConfig,
  NamespaceProperties,
} from '@aws-sdk/client-servicediscovery';

export type NamespaceType = 'DNS_PRIVATE' | 'DNS_PUBLIC' | 'HTTP';
export type ServiceType = 'DNS' | 'DNS_HTTP' | 'HTTP';
export type CustomHealth = 'HEALTHY' | 'UNHEALTHY';

export interface NamespaceRecord {
  readonly Id: string;
  readonly Arn: string;
  readonly Name: string;
  readonly Type: NamespaceType;
  readonly Description?: string;
  readonly Properties: NamespaceProperties;
  /** The VPC a private DNS namespace was created in (localcloud has none; kept as given). */
  readonly Vpc?: string;
  readonly CreateDate: Date;
  readonly CreatorRequestId?: string;
}

export interface ServiceRecord {
  readonly Id: string;
  readonly Arn: string;
  readonly Name: string;
  readonly NamespaceId: string;
  readonly Type: ServiceType;
  readonly Description?: string;
  readonly DnsConfig?: DnsConfig;
  readonly HealthCheckConfig?: HealthCheckConfig;
  readonly HealthCheckCustomConfig?: HealthCheckCustomConfig;
  readonly CreateDate: Date;
  readonly CreatorRequestId?: string;
  readonly Attributes: Readonly<Record<string, string>>;
  /** DiscoverInstancesRevision: grows with every change to the service's instances. */
  readonly revision: number;
}

export interface InstanceRecord {
  readonly serviceId: string;
  readonly Id: string;
  readonly Attributes: Readonly<Record<string, string>>;
  readonly CreatorRequestId?: string;
  /** The custom health status, for services with HealthCheckCustomConfig. */
  readonly customHealth?: CustomHealth;
}

export interface OperationRecord {
  readonly Id: string;
  readonly Type: OperationType;
  readonly Status: 'SUCCESS';
  readonly CreateDate: Date;
  readonly UpdateDate: Date;
  readonly Targets: Readonly<Record<string, string>>;
}

/** The Cloud Map state of one account and region: durable tables of a @localcloud/persistence store. */
export class ServiceDiscoveryStore {
  readonly namespaces: DurableTable<NamespaceRecord>;
  readonly services: DurableTable<ServiceRecord>;
  /** Keyed `<serviceId>/<instanceId>`. */
  readonly instances: DurableTable<InstanceRecord>;
  readonly operations: DurableTable<OperationRecord>;
  /** Tags by resource ARN. */
  readonly tags: DurableTable<Readonly<Record<string, string>>>;

  constructor(private readonly state: StateStore) {
    this.namespaces = this.table<NamespaceRecord>('namespaces');
    this.services = this.table<ServiceRecord>('services');
    this.instances = this.table<InstanceRecord>('instances');
    this.operations = this.table<OperationRecord>('operations');
    this.tags = this.table<Readonly<Record<string, string>>>('tags');
  }

  private table<T>(name: string) {
    return this.state.table<T>(`servicediscovery.${name}`);
  }

  transaction(fn: () => void): void {
    this.state.transaction(fn);
  }

  instancesOf(serviceId: string): InstanceRecord[] {
    return [...this.instances.values()].filter((i) => i.serviceId === serviceId);
  }

  servicesOf(namespaceId: string): ServiceRecord[] {
    return [...this.services.values()].filter((s) => s.NamespaceId === namespaceId);
  }

  /** Resolves once every change so far is durable (group commit): answers wait for it. */
  durable(): Promise<void> {
    return this.state.durable();
  }

  close(): void {
    this.state.close();
  }
}

export const instanceKey = (serviceId: string, instanceId: string) => `${serviceId}/${instanceId}`;
