import { defineServiceError, truncateText } from '@localcloud/gateway';

/*
 * Cloud Map error codes, by the names and HTTP statuses of the API model. Handlers throw these; the gateway
 * serialises them.
 */
export const CustomHealthNotFound = defineServiceError('CustomHealthNotFound', 404);
export const DuplicateRequest = defineServiceError('DuplicateRequest', 409);
export const InstanceNotFound = defineServiceError('InstanceNotFound', 404);
export const InvalidInput = defineServiceError('InvalidInput', 400);
export const NamespaceAlreadyExists = defineServiceError('NamespaceAlreadyExists', 400);
export const NamespaceNotFound = defineServiceError('NamespaceNotFound', 404);
export const OperationNotFound = defineServiceError('OperationNotFound', 404);
export const ResourceInUse = defineServiceError('ResourceInUse', 409);
export const ResourceNotFoundException = defineServiceError('ResourceNotFoundException', 404);
export const ServiceAlreadyExists = defineServiceError('ServiceAlreadyExists', 400);
export const ServiceAttributesLimitExceededException = defineServiceError(
  'ServiceAttributesLimitExceededException',
  400,
);
export const ServiceNotFound = defineServiceError('ServiceNotFound', 404);
export const TooManyTagsException = defineServiceError('TooManyTagsException', 400);

export const namespaceNotFound = (id: string) => new NamespaceNotFound(`Namespace not found: ${truncateText(id)}`);
export const serviceNotFound = (id: string) => new ServiceNotFound(`Service not found: ${truncateText(id)}`);
export const instanceNotFound = (id: string) => new InstanceNotFound(`Instance not found: ${truncateText(id)}`);
