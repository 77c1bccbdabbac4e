import { ServiceError } from '@localcloud/gateway';
import type { ProtocolName } from './model';

/**
 * The one rule for answering bad input, per protocol, as AWS's front ends answer it. Every provider's
 * validator (src/validator.ts) and the gateway's request parsing follow it; docs/architecture.md has the
 * table. Only the code of a constraint violation differs between services (`validationErrorCode`: ECS and
 * CloudWatch Logs say `InvalidParameterException`, most newer JSON services and every Query service
 * `ValidationException` / `ValidationError`).
 */
export type BadInput = 'typeMismatch' | 'constraint';

export interface BadInputRule {
  /** A member of the wrong wire type: the front end cannot deserialise the request. */
  readonly typeMismatch: { readonly code: string; readonly status: number };
  /** Missing required member, enum, length, range or pattern: one error listing every violation. */
  readonly constraint: { readonly code: string; readonly status: number };
}

const DEFAULT_VALIDATION_CODE: Readonly<Record<ProtocolName, string>> = {
  awsJson1_0: 'ValidationException',
  awsJson1_1: 'ValidationException',
  restJson1: 'ValidationException',
  awsQuery: 'ValidationError',
  ec2Query: 'InvalidParameterValue',
  restXml: 'InvalidArgument',
};

/**
 * JSON protocols: a type mismatch is `SerializationException` (400), as Coral answers it (e.g. ECS:
 * "SerializationException: STRING_VALUE cannot be converted to Integer", aws/aws-cdk-cli#973).
 * Query protocols carry every value as a string, so a value that does not parse as its type is a
 * constraint violation of the service's validation code.
 */
export function badInputRule(protocol: ProtocolName, validationErrorCode?: string): BadInputRule {
  const constraint = { code: validationErrorCode ?? DEFAULT_VALIDATION_CODE[protocol], status: 400 };
  const json = protocol === 'awsJson1_0' || protocol === 'awsJson1_1' || protocol === 'restJson1';
  return { typeMismatch: json ? { code: 'SerializationException', status: 400 } : constraint, constraint };
}

export function badInputError(rule: BadInputRule, kind: BadInput, message: string): ServiceError {
  const { code, status } = rule[kind];
  return new ServiceError(code, message, status);
}
