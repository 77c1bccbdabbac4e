import { ARN_PARTITION_PATTERN, arnPartition } from './arn-partition';

test.each([
  ['us-east-1', 'aws'],
  ['eu-west-1', 'aws'],
  ['cn-north-1', 'aws-cn'],
  ['cn-northwest-1', 'aws-cn'],
  ['us-gov-west-1', 'aws-us-gov'],
  ['us-iso-east-1', 'aws-iso'],
  ['us-isob-east-1', 'aws-iso-b'],
  ['eu-isoe-west-1', 'aws-iso-e'],
  ['us-isof-south-1', 'aws-iso-f'],
  ['eusc-de-east-1', 'aws-eusc'],
  ['local', 'aws'],
])('a resource in %s has ARNs in the %s partition', (region, partition) => {
  expect(arnPartition(region)).toBe(partition);
});

test('the partition pattern matches every partition and nothing else', () => {
  const partition = new RegExp(`^${ARN_PARTITION_PATTERN}$`);
  for (const name of ['aws', 'aws-cn', 'aws-us-gov', 'aws-iso', 'aws-iso-b', 'aws-iso-e', 'aws-iso-f', 'aws-eusc']) {
    expect(name).toMatch(partition);
  }
  for (const name of ['', 'awsx', 'aws-', 'aws-moon', 'gcp']) expect(name).not.toMatch(partition);
});
