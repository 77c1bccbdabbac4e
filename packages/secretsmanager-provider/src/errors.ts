import { defineServiceError } from '@localcloud/gateway';

/*
 * Secrets Manager error codes, by the names the API model and the SDK clients use (all HTTP 400), and
 * AWS's messages for the common cases. Handlers throw these; the gateway serialises them.
 */
export const ResourceNotFoundException = defineServiceError('ResourceNotFoundException');
export const ResourceExistsException = defineServiceError('ResourceExistsException');
export const InvalidRequestException = defineServiceError('InvalidRequestException');
export const InvalidParameterException = defineServiceError('InvalidParameterException');
export const InvalidNextTokenException = defineServiceError('InvalidNextTokenException');
export const LimitExceededException = defineServiceError('LimitExceededException');

export const secretNotFound = () => new ResourceNotFoundException("Secrets Manager can't find the specified secret.");
export const valueNotFound = (what: 'VersionId' | 'staging label', value: string) =>
  new ResourceNotFoundException(`Secrets Manager can't find the specified secret value for ${what}: ${value}`);
export const markedForDeletion = () =>
  new InvalidRequestException("You can't perform this operation on the secret because it was marked for deletion.");
