import type { CapacityProvider, CapacityProviderStrategyItem } from '@aws-sdk/client-ecs';
import { capacityProviderArn, type Scope } from '../arn';
import { InvalidParameterException } from '../errors';
import { truncateText } from '@localcloud/gateway';

/** The capacity providers every account has: Fargate's two. localcloud runs both on the local Docker engine. */
export const BUILT_IN_CAPACITY_PROVIDERS = ['FARGATE', 'FARGATE_SPOT'] as const;

export function isBuiltInCapacityProvider(name: string): boolean {
  return (BUILT_IN_CAPACITY_PROVIDERS as readonly string[]).includes(name);
}

export function describeBuiltInCapacityProvider(scope: Scope, name: string): CapacityProvider {
  return {
    capacityProviderArn: capacityProviderArn(scope, name),
    name,
    status: 'ACTIVE',
    tags: [],
  };
}

/** The name in a capacity provider name or ARN. */
export function capacityProviderNameOf(nameOrArn: string): string {
  const slash = nameOrArn.startsWith('arn:') ? nameOrArn.lastIndexOf('/') : -1;
  return slash >= 0 ? nameOrArn.slice(slash + 1) : nameOrArn;
}

/** Checks a cluster's capacity providers and default strategy as CreateCluster and PutClusterCapacityProviders do. */
export function validateCapacityProviders(
  providers: readonly string[],
  strategy: readonly CapacityProviderStrategyItem[],
  /** Whether the account has an ACTIVE capacity provider of this name (CreateCapacityProvider). */
  isAccountProvider: (name: string) => boolean = () => false,
): { capacityProviders: string[]; defaultCapacityProviderStrategy: CapacityProviderStrategyItem[] } {
  const names = providers.map(capacityProviderNameOf);
  for (const name of names) {
    if (!isBuiltInCapacityProvider(name) && !isAccountProvider(name)) {
      throw new InvalidParameterException(
        `The specified capacity provider '${truncateText(name)}' does not exist. Specify a valid capacity provider and try again.`,
      );
    }
  }
  if (new Set(names).size !== names.length) {
    throw new InvalidParameterException('The capacity providers of a cluster must be unique.');
  }
  const items = strategy.map((item) => ({ ...item, capacityProvider: capacityProviderNameOf(item.capacityProvider!) }));
  validateStrategy(items, names);
  return {
    capacityProviders: names,
    defaultCapacityProviderStrategy: items.map((i) => ({
      capacityProvider: i.capacityProvider,
      weight: i.weight ?? 0,
      base: i.base ?? 0,
    })),
  };
}

export function validateStrategy(items: readonly CapacityProviderStrategyItem[], associated: readonly string[]): void {
  const seen = new Set<string>();
  let withBase = 0;
  for (const item of items) {
    const name = item.capacityProvider!;
    if (!associated.includes(name)) {
      throw new InvalidParameterException(
        'The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. ' +
          'Associate the capacity provider with the cluster or specify a valid capacity provider and try again.',
      );
    }
    if (seen.has(name))
      throw new InvalidParameterException('A capacity provider strategy cannot contain duplicate capacity providers.');
    seen.add(name);
    const weight = item.weight ?? 0;
    const base = item.base ?? 0;
    if (!Number.isInteger(weight) || weight < 0 || weight > 1000) {
      throw new InvalidParameterException(
        'The weight of a capacity provider strategy item must be an integer from 0 to 1000.',
      );
    }
    if (!Number.isInteger(base) || base < 0 || base > 100000) {
      throw new InvalidParameterException(
        'The base of a capacity provider strategy item must be an integer from 0 to 100000.',
      );
    }
    if (base > 0) withBase += 1;
  }
  if (withBase > 1) {
    throw new InvalidParameterException(
      'Only one capacity provider in a capacity provider strategy can have a base defined.',
    );
  }
  if (items.length > 1 && items.every((i) => (i.weight ?? 0) === 0)) {
    throw new InvalidParameterException(
      'At least one capacity provider in a capacity provider strategy must have a weight greater than zero.',
    );
  }
}
