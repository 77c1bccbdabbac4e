import { defineServiceError } from '@localcloud/gateway';
import { validationMessage, violation } from '@localcloud/aws-model';

/*
 * CloudWatch Logs error codes, by the names the API model and the SDK clients use. All are HTTP 400.
 * Handlers throw these; the gateway serialises them.
 */
export const InvalidParameterException = defineServiceError('InvalidParameterException');
export const ResourceNotFoundException = defineServiceError('ResourceNotFoundException');
export const ResourceAlreadyExistsException = defineServiceError('ResourceAlreadyExistsException');
export const TooManyTagsException = defineServiceError('TooManyTagsException');
export const ValidationException = defineServiceError('ValidationException');

export const logGroupNotFound = () => new ResourceNotFoundException('The specified log group does not exist.');
export const logStreamNotFound = () => new ResourceNotFoundException('The specified log stream does not exist.');

/** AWS's message for a value that breaks a model constraint, e.g. a length or a pattern (values cut at 100 characters). */
export function constraintViolation(
  path: string,
  value: unknown,
  constraint: string,
): InstanceType<typeof InvalidParameterException> {
  return new InvalidParameterException(validationMessage([violation(path, value, constraint)]));
}
