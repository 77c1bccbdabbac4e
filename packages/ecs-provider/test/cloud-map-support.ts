import {
  CreateHttpNamespaceCommand,
  CreatePrivateDnsNamespaceCommand,
  GetOperationCommand,
  ServiceDiscoveryClient,
} from '@aws-sdk/client-servicediscovery';
import { testCredentials } from '@localcloud/gateway/testing';
import { startEcsTestBed, type EcsTestBed } from './support';

/** A Cloud Map client of a test gateway (no host prefix: the gateway answers on one address). */
export function cloudMapClient(url: string): ServiceDiscoveryClient {
  return new ServiceDiscoveryClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: testCredentials(),
    disableHostPrefix: true,
  });
}

/** An ECS test bed with Cloud Map enabled, and a Cloud Map client of it; `close` ends both. */
export interface CloudMapBed {
  readonly bed: EcsTestBed;
  readonly sd: ServiceDiscoveryClient;
  close(): Promise<void>;
}

export async function startCloudMapBed(env: Record<string, string> = {}, prefix?: string): Promise<CloudMapBed> {
  const bed = await startEcsTestBed({ SERVICES: 'ecs,servicediscovery', ...env }, prefix);
  const sd = cloudMapClient(bed.gw.url);
  return {
    bed,
    sd,
    async close() {
      sd.destroy();
      await bed.close();
    },
  };
}

/** Creates a private DNS namespace and answers its id (once the operation names it). */
export async function createDnsNamespace(sd: ServiceDiscoveryClient, name: string): Promise<string> {
  const { OperationId } = await sd.send(new CreatePrivateDnsNamespaceCommand({ Name: name, Vpc: 'vpc-local' }));
  return namespaceOf(sd, OperationId!);
}

/** Creates an HTTP namespace and answers its id. */
export async function createHttpNamespace(sd: ServiceDiscoveryClient, name: string): Promise<string> {
  const { OperationId } = await sd.send(new CreateHttpNamespaceCommand({ Name: name }));
  return namespaceOf(sd, OperationId!);
}

async function namespaceOf(sd: ServiceDiscoveryClient, operationId: string): Promise<string> {
  return (await sd.send(new GetOperationCommand({ OperationId: operationId }))).Operation!.Targets!.NAMESPACE!;
}
