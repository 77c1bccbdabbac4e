export * from './model';
export { ModelValidator, compilePattern, type ValidatorOptions } from './validator';
export { badInputRule, badInputError, type BadInput, type BadInputRule } from './bad-input';
export {
  valueText,
  violation,
  sensitiveViolation,
  validationMessage,
  MAX_VALUE_CHARS,
  MAX_LISTED_PROBLEMS,
} from './messages';
export { toJsonOutput } from './json-output';
export { QueryCodec } from './query-codec';
export { redactSensitive, REDACTED } from './redact';
export { ModelledProvider, type ModelledProviderSpec, type AccountRegion } from './modelled-provider';
