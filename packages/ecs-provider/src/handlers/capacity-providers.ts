import type {
  CapacityProvider,
  DescribeCapacityProvidersRequest,
  DescribeCapacityProvidersResponse,
  Failure,
} from '@aws-sdk/client-ecs';
import type { EcsScope } from '../ecs-scope';
import { capacityProviderArn } from '../arn';
import {
  BUILT_IN_CAPACITY_PROVIDERS,
  capacityProviderNameOf,
  describeBuiltInCapacityProvider,
  isBuiltInCapacityProvider,
} from '../domain/capacity-providers';
import { paginate } from '../pagination';

export function describeCapacityProviders(
  input: DescribeCapacityProvidersRequest,
  { scope }: EcsScope,
): DescribeCapacityProvidersResponse {
  const failures: Failure[] = [];
  const found: CapacityProvider[] = [];
  const names = input.capacityProviders?.length ? input.capacityProviders : [...BUILT_IN_CAPACITY_PROVIDERS];
  for (const reference of names) {
    const name = capacityProviderNameOf(reference);
    if (isBuiltInCapacityProvider(name)) found.push(describeBuiltInCapacityProvider(scope, name));
    else
      failures.push({
        arn: reference.startsWith('arn:') ? reference : capacityProviderArn(scope, name),
        reason: 'MISSING',
      });
  }
  if (!input.include?.includes('TAGS')) found.forEach((p) => delete p.tags);
  const page = paginate('DescribeCapacityProviders', found, (p) => p.name!, input, { defaultSize: 10, maxSize: 10 });
  return { capacityProviders: page.items, failures, nextToken: page.nextToken };
}
