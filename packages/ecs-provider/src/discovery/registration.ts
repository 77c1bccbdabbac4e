import type { ServiceRegistry } from '@aws-sdk/client-ecs';
import type { TaskRecord } from '../runtime/task-record';
import { taskIdOf } from '../runtime/task-record';

/** One Cloud Map instance for a task: what RegisterInstance is called with. */
export interface CloudMapInstance {
  /** The Cloud Map service's ARN (`arn:…:servicediscovery:<region>:<account>:service/srv-…`). */
  readonly registryArn: string;
  readonly serviceId: string;
  readonly accountId: string;
  readonly region: string;
  /** The task id, as ECS names the instance. */
  readonly instanceId: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/** A Cloud Map service ARN: region, account, service id. */
export const REGISTRY_ARN = /^arn:[^:]+:servicediscovery:([^:]+):(\d{12}):service\/(srv-[A-Za-z0-9]+)$/;

/**
 * Whether a task of a service belongs in its Cloud Map services now: RUNNING and wanted, and healthy when
 * its essential containers have health checks (ECS keeps an unhealthy task out of discovery).
 */
export function shouldBeRegistered(task: TaskRecord): boolean {
  if (task.desiredStatus !== 'RUNNING' || task.lastStatus !== 'RUNNING') return false;
  const checked = (task.runtime?.containers ?? []).some((c) => c.essential && c.hasHealthCheck);
  return checked ? task.healthStatus === 'HEALTHY' : task.healthStatus !== 'UNHEALTHY';
}

/** The task's own address: its ENI's (awsvpc), else loopback, where bridge and host tasks publish ports. */
function addressOf(task: TaskRecord): string | undefined {
  const eni = task.attachments?.find((a) => a.type === 'ElasticNetworkInterface');
  const ip = eni?.details?.find((d) => d.name === 'privateIPv4Address')?.value;
  if (ip) return ip;
  const bound = (task.containers ?? []).some((c) => (c.networkBindings ?? []).length > 0);
  return bound ? '127.0.0.1' : undefined;
}

/**
 * The port ECS registers: the registry's `port`, else its `containerPort` (awsvpc: reached at the task's
 * address; bridge and host: the host port it is published on).
 */
function portOf(task: TaskRecord, registry: ServiceRegistry): number | undefined {
  if (registry.port !== undefined) return registry.port;
  if (registry.containerPort === undefined) return undefined;
  const awsvpc = task.attachments?.some((a) => a.type === 'ElasticNetworkInterface');
  if (awsvpc) return registry.containerPort;
  const container = task.containers?.find((c) => c.name === registry.containerName);
  return container?.networkBindings?.find((b) => b.containerPort === registry.containerPort)?.hostPort;
}

/**
 * The Cloud Map instances a RUNNING task of a service registers, with the attributes ECS gives them;
 * registries whose ARN is not a Cloud Map service ARN are left out (`invalid`).
 */
export function instancesOf(
  task: TaskRecord,
  registries: readonly ServiceRegistry[],
  service: { serviceName: string; clusterName: string },
): { instances: CloudMapInstance[]; invalid: string[] } {
  const instances: CloudMapInstance[] = [];
  const invalid: string[] = [];
  for (const registry of registries) {
    const match = REGISTRY_ARN.exec(registry.registryArn ?? '');
    if (!match) {
      invalid.push(registry.registryArn ?? '');
      continue;
    }
    const attributes: Record<string, string> = {
      AVAILABILITY_ZONE: task.availabilityZone ?? `${task.region}a`,
      REGION: task.region,
      ECS_CLUSTER_NAME: service.clusterName,
      ECS_SERVICE_NAME: service.serviceName,
      ECS_TASK_DEFINITION_FAMILY: familyOf(task.taskDefinitionArn),
    };
    const address = addressOf(task);
    if (address) attributes.AWS_INSTANCE_IPV4 = address;
    const port = portOf(task, registry);
    if (port !== undefined) attributes.AWS_INSTANCE_PORT = String(port);
    instances.push({
      registryArn: registry.registryArn!,
      region: match[1]!,
      accountId: match[2]!,
      serviceId: match[3]!,
      instanceId: taskIdOf(task.taskArn),
      attributes,
    });
  }
  return { instances, invalid };
}

function familyOf(taskDefinitionArn: string | undefined): string {
  const name = taskDefinitionArn?.slice(taskDefinitionArn.lastIndexOf('/') + 1) ?? '';
  return name.slice(0, name.lastIndexOf(':') >= 0 ? name.lastIndexOf(':') : undefined);
}
