import { defineServiceError, truncateText } from '@localcloud/gateway';
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

/**
 * A parameter name as a message quotes it. The model lets a name be 2,048 characters, more than a message
 * should be with its own words around it: a name is quoted whole up to 1,024 characters (every real one),
 * a longer one by its start.
 */
export const quotedName = (name: string) => truncateText(name, 1_024);

export const parameterNotFound = (name: string) => new ParameterNotFound(`Parameter ${quotedName(name)} not found.`);

export const versionNotFound = (name: string, selector: string | number) =>
  new ParameterVersionNotFound(
    `Systems Manager could not find version ${selector} of ${quotedName(name)}. Verify the version and try again.`,
  );

/** AWS's message for a value that breaks a constraint the model does not carry. */
export function constraintViolation(path: string, value: unknown, constraint: string) {
  return new ValidationException(validationMessage([violation(path, value, constraint)]));
}
