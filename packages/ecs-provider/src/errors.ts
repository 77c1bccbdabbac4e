import { defineServiceError } from '@localcloud/gateway';

/*
 * ECS error codes, by the names the ECS API model and the SDK clients use. All are HTTP 400 except
 * ServerException. Handlers throw these; the gateway serialises them.
 */
export const ClientException = defineServiceError('ClientException');
export const InvalidParameterException = defineServiceError('InvalidParameterException');
export const ClusterNotFoundException = defineServiceError('ClusterNotFoundException');
export const ClusterContainsServicesException = defineServiceError('ClusterContainsServicesException');
export const ClusterContainsTasksException = defineServiceError('ClusterContainsTasksException');
export const ClusterContainsContainerInstancesException = defineServiceError(
  'ClusterContainsContainerInstancesException',
);
export const ServiceNotFoundException = defineServiceError('ServiceNotFoundException');
export const ServiceNotActiveException = defineServiceError('ServiceNotActiveException');
export const ResourceNotFoundException = defineServiceError('ResourceNotFoundException');
export const ResourceInUseException = defineServiceError('ResourceInUseException');
export const LimitExceededException = defineServiceError('LimitExceededException');
export const PlatformUnknownException = defineServiceError('PlatformUnknownException');
export const UnsupportedFeatureException = defineServiceError('UnsupportedFeatureException');
export const TargetNotFoundException = defineServiceError('TargetNotFoundException');
export const AttributeLimitExceededException = defineServiceError('AttributeLimitExceededException');
export const AccessDeniedException = defineServiceError('AccessDeniedException');
export const TargetNotConnectedException = defineServiceError('TargetNotConnectedException');
export const ConflictException = defineServiceError('ConflictException');
export const ServiceDeploymentNotFoundException = defineServiceError('ServiceDeploymentNotFoundException');
export const ServerException = defineServiceError('ServerException', 500);
export const GatewayNotFoundException = defineServiceError('GatewayNotFoundException');
export const NoUpdateAvailableException = defineServiceError('NoUpdateAvailableException');
export const MissingVersionException = defineServiceError('MissingVersionException');
export const TaskSetNotFoundException = defineServiceError('TaskSetNotFoundException');
export const DaemonNotFoundException = defineServiceError('DaemonNotFoundException');
export const DaemonNotActiveException = defineServiceError('DaemonNotActiveException');
export const NamespaceNotFoundException = defineServiceError('NamespaceNotFoundException');
