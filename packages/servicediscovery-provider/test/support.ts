import { ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { testCredentials } from '@localcloud/gateway/testing';

/**
 * A Cloud Map client for a gateway at `url`. `disableHostPrefix`: the SDK sends DiscoverInstances to
 * `data-<endpoint host>` (the operation's host prefix), which does not resolve for `127.0.0.1`; users set
 * the same option (docs/servicediscovery-provider.md).
 */
export function serviceDiscoveryClient(url: string, region = 'us-east-1', accessKeyId = 'test') {
  return new ServiceDiscoveryClient({
    endpoint: url,
    region,
    credentials: testCredentials(accessKeyId),
    disableHostPrefix: true,
  });
}

export { failure, type SdkFailure as AwsError } from '@localcloud/gateway/testing';
