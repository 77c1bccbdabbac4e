export * from './model';
export { ModelValidator, type ValidatorOptions } from './validator';
export { badInputRule, badInputError, type BadInput, type BadInputRule } from './bad-input';
export { valueText, violation, validationMessage, MAX_VALUE_CHARS } from './messages';
