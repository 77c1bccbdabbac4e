import type {
  DescribeExpressGatewayServiceRequest,
  DescribeGatewayRequest,
  DescribeGatewayResourcesRequest,
  DescribeGatewayRouteRequest,
  DeleteExpressGatewayServiceRequest,
  DeleteGatewayRequest,
  DisassociateGatewayFromClusterRequest,
  ListGatewayClusterAssociationsResponse,
  ListGatewayRoutesRequest,
  ListGatewayRoutesResponse,
  ListGatewaysResponse,
  UpdateExpressGatewayServiceRequest,
} from '@aws-sdk/client-ecs';
import { truncateText } from '@localcloud/gateway';
import type { EcsScope } from '../ecs-scope';
import {
  GatewayNotFoundException,
  ResourceNotFoundException,
  ServiceNotFoundException,
  UnsupportedFeatureException,
} from '../errors';
import { resolveCluster } from './resolve-cluster';

/*
 * ECS gateways and Express Mode (Express Gateway) services. Both are built from infrastructure that
 * localcloud does not run: an Application Load Balancer with its listeners and certificates, target
 * groups, Auto Scaling policies, security groups, all provisioned through an infrastructure role. So
 * nothing can create one: creating (and associating, updating) answers UnsupportedFeatureException,
 * which every one of these operations lists; and since none can exist, listing answers an empty list
 * and naming one answers its "not found" error, exactly as ECS answers an account that has none.
 */

const GATEWAYS_UNSUPPORTED =
  'ECS gateways are not supported by localcloud: a gateway is an Application Load Balancer with listeners and routes, which localcloud does not run.';
const EXPRESS_UNSUPPORTED =
  'Express Mode services are not supported by localcloud: they provision an Application Load Balancer, certificates and Auto Scaling, which localcloud does not run. Create the service with CreateService instead.';

export function createGateway(): never {
  throw new UnsupportedFeatureException(GATEWAYS_UNSUPPORTED);
}

export function updateGateway(input: { gateway?: string }): never {
  return gatewayNotFound(input.gateway);
}

export function associateGatewayWithCluster(input: { gateway?: string; cluster?: string }, ecs: EcsScope): never {
  resolveCluster(ecs, input.cluster);
  return gatewayNotFound(input.gateway);
}

export function disassociateGatewayFromCluster(input: DisassociateGatewayFromClusterRequest, ecs: EcsScope): never {
  resolveCluster(ecs, input.cluster);
  return gatewayNotFound(input.gateway);
}

export function describeGateway(input: DescribeGatewayRequest): never {
  return gatewayNotFound(input.gateway);
}

export function describeGatewayResources(input: DescribeGatewayResourcesRequest): never {
  return gatewayNotFound(input.gateway);
}

export function deleteGateway(input: DeleteGatewayRequest): never {
  return gatewayNotFound(input.gateway);
}

export function describeGatewayRoute(input: DescribeGatewayRouteRequest): never {
  throw new ResourceNotFoundException(
    `The specified gateway route ${truncateText(input.gatewayRouteArn ?? '')} does not exist.`,
  );
}

export function listGateways(): ListGatewaysResponse {
  return { gateways: [] };
}

export function listGatewayRoutes(input: ListGatewayRoutesRequest): ListGatewayRoutesResponse {
  if (input.gateway !== undefined) gatewayNotFound(input.gateway);
  return { gatewayRoutes: [] };
}

export function listGatewayClusterAssociations(): ListGatewayClusterAssociationsResponse {
  return { gatewayClusterAssociations: [] };
}

function gatewayNotFound(gateway: string | undefined): never {
  throw new GatewayNotFoundException(`The specified gateway ${truncateText(gateway ?? '')} does not exist.`);
}

export function createExpressGatewayService(): never {
  throw new UnsupportedFeatureException(EXPRESS_UNSUPPORTED);
}

export function updateExpressGatewayService(input: UpdateExpressGatewayServiceRequest): never {
  return expressServiceNotFound(input.serviceArn);
}

export function deleteExpressGatewayService(input: DeleteExpressGatewayServiceRequest): never {
  return expressServiceNotFound(input.serviceArn);
}

export function describeExpressGatewayService(input: DescribeExpressGatewayServiceRequest): never {
  throw new ResourceNotFoundException(
    `The specified Express service ${truncateText(input.serviceArn ?? '')} does not exist: localcloud creates no Express Mode services.`,
  );
}

function expressServiceNotFound(serviceArn: string | undefined): never {
  throw new ServiceNotFoundException(
    `The specified Express service ${truncateText(serviceArn ?? '')} does not exist: localcloud creates no Express Mode services.`,
  );
}
