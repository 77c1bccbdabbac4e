import type { ProviderFactory } from '@localcloud/gateway';
import { ElasticLoadBalancingV2Provider } from './provider';

/** The plugin entry point the gateway loads for `SERVICES=elasticloadbalancing`. */
export const createProvider: ProviderFactory = (context) => new ElasticLoadBalancingV2Provider(context);
export { ElasticLoadBalancingV2Provider } from './provider';
