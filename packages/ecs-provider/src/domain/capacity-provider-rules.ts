import { truncateText } from '@localcloud/gateway';
import type {
  AutoScalingGroupProvider,
  AutoScalingGroupProviderUpdate,
  CapacityProvider,
  ManagedScaling,
} from '@aws-sdk/client-ecs';
import { ClientException, InvalidParameterException } from '../errors';
import { isBuiltInCapacityProvider } from './capacity-providers';

/*
 * ECS's rules for the capacity providers an account creates (Auto Scaling group providers). localcloud has
 * no Auto Scaling groups: a provider is kept as given, its tasks run on the local engine as EC2 tasks, and
 * its create, update and delete complete at once (updateStatus *_COMPLETE).
 */

/** A stored capacity provider of the account (never FARGATE/FARGATE_SPOT, which every account has). */
export type CapacityProviderRecord = CapacityProvider & {
  capacityProviderArn: string;
  name: string;
  status: 'ACTIVE' | 'INACTIVE';
};

const NAME = /^[a-zA-Z0-9_-]{1,255}$/;
const RESERVED_PREFIX = /^(aws|ecs|fargate)/i;

/** The message Terraform's aws_ecs_capacity_provider looks for ("capacity provider does not exist"). */
export const CAPACITY_PROVIDER_NOT_FOUND =
  'The specified capacity provider does not exist. Specify a valid name or ARN and try again.';

export function validateCapacityProviderName(name: string): void {
  if (isBuiltInCapacityProvider(name) || RESERVED_PREFIX.test(name)) {
    throw new ClientException(
      `The specified capacity provider name is invalid. The name '${truncateText(name)}' can't be prefixed with "aws", "ecs", or "fargate".`,
    );
  }
  if (!NAME.test(name)) {
    throw new ClientException(
      'The specified capacity provider name is invalid. Up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens are allowed.',
    );
  }
}

const MANAGED_SCALING_DEFAULTS = {
  targetCapacity: 100,
  minimumScalingStepSize: 1,
  maximumScalingStepSize: 10000,
  instanceWarmupPeriod: 300,
} as const;

/** ECS's ranges for managed scaling, with its defaults filled in. */
export function normaliseManagedScaling(given: ManagedScaling | undefined, current?: ManagedScaling): ManagedScaling {
  const merged: ManagedScaling = {
    status: 'DISABLED',
    ...MANAGED_SCALING_DEFAULTS,
    ...current,
    ...definedOnly(given ?? {}),
  };
  const range = (name: keyof typeof MANAGED_SCALING_DEFAULTS, min: number, max: number) => {
    const value = merged[name];
    if (!Number.isInteger(value) || value! < min || value! > max) {
      throw new InvalidParameterException(`managedScaling.${name} must be an integer from ${min} to ${max}.`);
    }
  };
  range('targetCapacity', 1, 100);
  range('minimumScalingStepSize', 1, 10000);
  range('maximumScalingStepSize', 1, 10000);
  range('instanceWarmupPeriod', 0, 10000);
  if (merged.minimumScalingStepSize! > merged.maximumScalingStepSize!) {
    throw new InvalidParameterException(
      'managedScaling.minimumScalingStepSize must not be greater than managedScaling.maximumScalingStepSize.',
    );
  }
  return merged;
}

/** The Auto Scaling group settings of a new capacity provider, with ECS's defaults. */
export function newAutoScalingGroupProvider(given: AutoScalingGroupProvider | undefined): AutoScalingGroupProvider {
  if (!given?.autoScalingGroupArn) {
    throw new InvalidParameterException(
      'autoScalingGroupProvider.autoScalingGroupArn must be specified: only capacity providers that use an Auto Scaling group can be created.',
    );
  }
  return {
    autoScalingGroupArn: given.autoScalingGroupArn,
    managedScaling: normaliseManagedScaling(given.managedScaling),
    managedTerminationProtection: given.managedTerminationProtection ?? 'DISABLED',
    managedDraining: given.managedDraining ?? 'ENABLED',
  };
}

/** UpdateCapacityProvider: the settings given replace the current ones; the group itself cannot change. */
export function updatedAutoScalingGroupProvider(
  current: AutoScalingGroupProvider,
  update: AutoScalingGroupProviderUpdate | undefined,
): AutoScalingGroupProvider {
  if (!update) return current;
  return {
    ...current,
    managedScaling: update.managedScaling
      ? normaliseManagedScaling(update.managedScaling, current.managedScaling)
      : current.managedScaling,
    managedTerminationProtection: update.managedTerminationProtection ?? current.managedTerminationProtection,
    managedDraining: update.managedDraining ?? current.managedDraining,
  };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
