import type { RequestContext, ServiceProvider } from '@localcloud/gateway';

/**
 * The part of the Cloud Map provider ECS's registrar calls (RegisterInstance, DeregisterInstance through
 * `handle`, with the API's shapes), recording which instances each Cloud Map service holds, per account and
 * region. DeregisterInstance of an absent instance answers InstanceNotFound, as the provider does.
 */
export class RecordingCloudMap {
  readonly service = { name: 'servicediscovery', protocol: 'json1.1' } as const;
  readonly operations: ReadonlySet<string> = new Set(['RegisterInstance', 'DeregisterInstance']);
  /** `<account>/<region>/<service id>` → instance id → attributes. */
  private readonly held = new Map<string, Map<string, Record<string, string>>>();
  /** Cloud Map service ids (`srv-…`) whose RegisterInstance fails with ServiceNotFound, as after a delete. */
  readonly deleted = new Set<string>();

  async handle(operation: string, input: unknown, context: RequestContext): Promise<unknown> {
    const { ServiceId, InstanceId, Attributes } = input as {
      ServiceId: string;
      InstanceId: string;
      Attributes?: Record<string, string>;
    };
    const key = `${context.accountId}/${context.region}/${ServiceId}`;
    const instances = this.held.get(key) ?? new Map<string, Record<string, string>>();
    this.held.set(key, instances);
    if (operation === 'RegisterInstance') {
      if (this.deleted.has(ServiceId))
        throw Object.assign(new Error(`Service not found: ${ServiceId}`), { code: 'ServiceNotFound' });
      instances.set(InstanceId, { ...Attributes });
      return { OperationId: `op-${InstanceId}` };
    }
    if (operation === 'DeregisterInstance') {
      if (!instances.delete(InstanceId))
        throw Object.assign(new Error('Instance not found'), { code: 'InstanceNotFound' });
      return { OperationId: `op-${InstanceId}` };
    }
    throw new Error(`not recorded: ${operation}`);
  }

  /** The instance ids a Cloud Map service (`srv-…`) of account 000000000000 in us-east-1 holds, sorted. */
  instancesIn(serviceId: string, scope = '000000000000/us-east-1'): string[] {
    return [...(this.held.get(`${scope}/${serviceId}`)?.keys() ?? [])].sort();
  }

  asProvider(): ServiceProvider {
    return this as unknown as ServiceProvider;
  }
}
