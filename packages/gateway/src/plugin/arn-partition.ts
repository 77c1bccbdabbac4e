/**
 * The AWS partition of a region: the second field of every ARN built in it. Regions are matched by
 * prefix, as the AWS SDKs' partitions.json does; anything else (including made-up local regions) is in
 * the commercial `aws` partition.
 */
const PARTITION_BY_REGION_PREFIX: readonly (readonly [prefix: string, partition: string])[] = [
  ['cn-', 'aws-cn'],
  ['us-gov-', 'aws-us-gov'],
  ['us-iso-', 'aws-iso'],
  ['us-isob-', 'aws-iso-b'],
  ['eu-isoe-', 'aws-iso-e'],
  ['us-isof-', 'aws-iso-f'],
  ['eusc-', 'aws-eusc'],
];

export function arnPartition(region: string): string {
  // A plain loop: `find` with a closure over the region made a context and a function per ARN built.
  for (const [prefix, partition] of PARTITION_BY_REGION_PREFIX) if (region.startsWith(prefix)) return partition;
  return 'aws';
}

/** Matches any partition's name, for ARN parsers: `new RegExp(`^arn:${ARN_PARTITION_PATTERN}:ecs:…`)`. */
export const ARN_PARTITION_PATTERN = `(?:aws|${PARTITION_BY_REGION_PREFIX.map(([, partition]) => partition).join('|')})`;
