import { truncateText, quoted } from '@localcloud/gateway';
import type { LaunchType, NetworkConfiguration, TaskDefinition, TaskOverride } from '@aws-sdk/client-ecs';
import { InvalidParameterException } from '../errors';

/*
 * RunTask's and StartTask's checks of a request against its task definition (the network check serves
 * CreateService and UpdateService too). Refusals for reasons in the request itself apply always; those
 * for reasons that only exist in AWS (a VPC to place an ENI in, Fargate's task sizes) only with
 * ECS_STRICT_VALIDATION, since the local engine runs the task anyway.
 */

/** Subnet and security group ids as EC2 hands them out: 8 or 17 hex digits. */
const SUBNET_ID = /^subnet-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;
const SECURITY_GROUP_ID = /^sg-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;
const MAX_SUBNETS = 16;
const MAX_SECURITY_GROUPS = 5;

/** Every container override must name a container of the definition, in both modes. */
export function validateContainerOverrides(definition: TaskDefinition, overrides: TaskOverride | undefined): void {
  const names = new Set((definition.containerDefinitions ?? []).map((c) => c.name));
  for (const override of overrides?.containerOverrides ?? []) {
    if (!names.has(override.name)) {
      throw new InvalidParameterException(
        `Override for container named ${quoted(override.name ?? '')} is not a container in the TaskDefinition.`,
      );
    }
  }
}

/**
 * Whether the definition can run as `launchType`: `requiresCompatibilities` is honoured in both modes;
 * strict mode also wants the launch type in the `compatibilities` ECS computed (not FARGATE for bridge).
 * RunTask refuses with ClientException, CreateService with InvalidParameterException, as ECS does.
 */
export function supportsLaunchType(definition: TaskDefinition, launchType: LaunchType, strict: boolean): boolean {
  const required = definition.requiresCompatibilities;
  if (required?.length) return required.includes(launchType);
  return !strict || (definition.compatibilities ?? []).includes(launchType);
}

/**
 * An awsvpc task's network configuration. localcloud puts the task on the engine's network whatever it
 * says, so by default it is optional and its ids are taken as given; strict mode refuses as AWS does.
 */
export function validateNetworkConfiguration(
  definition: TaskDefinition,
  network: NetworkConfiguration | undefined,
  strict: boolean,
): void {
  if (!strict || definition.networkMode !== 'awsvpc') return;
  const vpc = network?.awsvpcConfiguration;
  if (!vpc) {
    throw new InvalidParameterException(
      "Network Configuration must be provided when networkMode 'awsvpc' is specified.",
    );
  }
  const subnets = vpc.subnets ?? [];
  if (subnets.length === 0) throw new InvalidParameterException('subnets can not be empty.');
  if (subnets.length > MAX_SUBNETS) {
    throw new InvalidParameterException(`subnets can have at most ${MAX_SUBNETS} items.`);
  }
  const groups = vpc.securityGroups ?? [];
  if (groups.length > MAX_SECURITY_GROUPS) {
    throw new InvalidParameterException(`securityGroups can have at most ${MAX_SECURITY_GROUPS} items.`);
  }
  for (const subnet of subnets) {
    if (!SUBNET_ID.test(subnet)) {
      throw new InvalidParameterException(
        `Error retrieving subnet information for [${truncateText(subnet)}]: The subnet ID '${truncateText(subnet)}' is malformed`,
      );
    }
  }
  for (const group of groups) {
    if (!SECURITY_GROUP_ID.test(group)) {
      throw new InvalidParameterException(
        `Error retrieving security group information for [${truncateText(group)}]: The security group ID '${truncateText(group)}' is malformed`,
      );
    }
  }
}
