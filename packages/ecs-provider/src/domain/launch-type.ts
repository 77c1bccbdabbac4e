import type { CapacityProviderStrategyItem, LaunchType, TaskDefinition } from '@aws-sdk/client-ecs';

/** Fargate's own capacity providers run FARGATE; any other (an Auto Scaling group's) stands for EC2. */
export function launchTypeOfCapacityProvider(name: string): LaunchType {
  return name.startsWith('FARGATE') ? 'FARGATE' : 'EC2';
}

/** The launch type of a task or service record: its own, else its capacity provider's, else EC2. */
export function launchTypeOf(launchType: string | undefined, capacityProvider?: string): LaunchType {
  if (launchType) return launchType as LaunchType;
  return capacityProvider ? launchTypeOfCapacityProvider(capacityProvider) : 'EC2';
}

/**
 * Whether Fargate could run the definition: ECS lists FARGATE in its `compatibilities` (awsvpc with a
 * Fargate task size) and `requiresCompatibilities`, when given, does not rule it out.
 */
export function isFargateCompatible(
  definition: Pick<TaskDefinition, 'compatibilities' | 'requiresCompatibilities'>,
): boolean {
  const required = definition.requiresCompatibilities;
  if (required?.length && !required.includes('FARGATE')) return false;
  return definition.compatibilities?.includes('FARGATE') ?? false;
}

/**
 * The launch type when a request names neither a launch type nor a capacity provider strategy and the
 * cluster has no default strategy. FARGATE, as LocalStack documents, for a definition Fargate could run;
 * otherwise what the definition can run on: EC2, or the one it requires (e.g. EXTERNAL). A definition
 * without `networkMode` is registered as `bridge` (ECS's default), which Fargate cannot run, so
 * LocalStack's own example runs as EC2 (its host bind mount is an EC2 feature too).
 */
export function defaultLaunchType(
  definition: Pick<TaskDefinition, 'compatibilities' | 'requiresCompatibilities'>,
): LaunchType {
  if (isFargateCompatible(definition)) return 'FARGATE';
  const required = definition.requiresCompatibilities;
  if (required?.length && !required.includes('EC2')) return required[0] as LaunchType;
  return 'EC2';
}

/** What a task or service runs as: a launch type, or a capacity provider strategy and what it stands for. */
export interface LaunchChoice {
  readonly launchType: LaunchType;
  /** Set when the launch type comes from a strategy (the request's or the cluster's default). */
  readonly capacityProviderStrategy?: CapacityProviderStrategyItem[];
  /** The strategy's first provider: the one a task is placed with. */
  readonly capacityProviderName?: string;
}

/**
 * RunTask's and CreateService's choice, in ECS's order: the launch type asked for, else the strategy
 * asked for, else the cluster's default strategy, else the default for the definition (`daemon`
 * services always run on EC2: Fargate has no instances to put a daemon on).
 */
export function chooseLaunch(input: {
  readonly launchType?: LaunchType;
  readonly capacityProviderStrategy?: CapacityProviderStrategyItem[];
  readonly clusterDefaultStrategy?: CapacityProviderStrategyItem[];
  readonly definition: Pick<TaskDefinition, 'compatibilities' | 'requiresCompatibilities'>;
  readonly daemon?: boolean;
}): LaunchChoice {
  if (input.launchType) return { launchType: input.launchType };
  const strategy = input.capacityProviderStrategy?.length
    ? input.capacityProviderStrategy
    : input.clusterDefaultStrategy?.length
      ? input.clusterDefaultStrategy
      : undefined;
  const first = strategy?.[0]?.capacityProvider;
  if (strategy && first) {
    return {
      launchType: launchTypeOfCapacityProvider(first),
      capacityProviderStrategy: strategy,
      capacityProviderName: first,
    };
  }
  return { launchType: input.daemon ? 'EC2' : defaultLaunchType(input.definition) };
}
