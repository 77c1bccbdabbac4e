import { defineServiceError } from '@localcloud/gateway';
import { validationMessage, violation } from '@localcloud/aws-model';

/*
 * SSM Parameter Store error codes, by the names the API model and the SDK clients use. All are HTTP 400.
 * Handlers throw these; the gateway serialises them.
 */
export const ValidationException = defineServiceError('ValidationException');
export const ParameterNotFound = defineServiceError('ParameterNotFound');
export const ParameterAlreadyExists = defineServiceError('ParameterAlreadyExists');
export const ParameterVersionNotFound = defineServiceError('ParameterVersionNotFound');
export const ParameterVersionLabelLimitExceeded = defineServiceError('ParameterVersionLabelLimitExceeded');
export const ParameterMaxVersionLimitExceeded = defineServiceError('ParameterMaxVersionLimitExceeded');
export const ParameterPatternMismatchException = defineServiceError('ParameterPatternMismatchException');
export const InvalidAllowedPatternException = defineServiceError('InvalidAllowedPatternException');
export const HierarchyLevelLimitExceededException = defineServiceError('HierarchyLevelLimitExceededException');
export const UnsupportedParameterType = defineServiceError('UnsupportedParameterType');
export const InvalidFilterKey = defineServiceError('InvalidFilterKey');
export const InvalidFilterOption = defineServiceError('InvalidFilterOption');
export const InvalidFilterValue = defineServiceError('InvalidFilterValue');
export const InvalidNextToken = defineServiceError('InvalidNextToken');
export const InvalidResourceId = defineServiceError('InvalidResourceId');
export const InvalidResourceType = defineServiceError('InvalidResourceType');
export const TooManyTagsError = defineServiceError('TooManyTagsError');
export const InvalidKeyId = defineServiceError('InvalidKeyId');
export const AccessDeniedException = defineServiceError('AccessDeniedException');

export const parameterNotFound = (name: string) => new ParameterNotFound(`Parameter ${name} not found.`);

export const versionNotFound = (name: string, selector: string | number) =>
  new ParameterVersionNotFound(
    `Systems Manager could not find version ${selector} of ${name}. Verify the version and try again.`,
  );

/** AWS's message for a value that breaks a constraint the model does not carry. */
export function constraintViolation(path: string, value: unknown, constraint: string) {
  return new ValidationException(validationMessage([violation(path, value, constraint)]));
}
