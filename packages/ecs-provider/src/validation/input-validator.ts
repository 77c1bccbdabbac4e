import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import * as schemaDocument from '../generated/ecs-input-schemas.json';
import { describeSchemaError } from './error-messages';
import { InvalidParameterException } from '../errors';

/** The generated document: operation → input shape name, and the shapes as JSON Schema definitions. */
interface InputSchemaDocument {
  readonly operations: Readonly<Record<string, string>>;
  readonly definitions: Readonly<Record<string, unknown>>;
}

const SCHEMA_ID = 'ecs-inputs';

/**
 * Validates ECS request inputs against JSON Schemas generated from the official API model
 * (`scripts/generate-schemas.js`). Nothing is compiled up front: each operation's validator is compiled
 * the first time that operation is called, so start-up stays in milliseconds.
 */
export class InputValidator {
  private ajv: Ajv | undefined;
  private readonly validators = new Map<string, ValidateFunction | null>();
  private readonly document = schemaDocument as unknown as InputSchemaDocument;

  /** Throws InvalidParameterException naming the first member that does not fit the operation's input shape. */
  validate(operation: string, input: unknown): void {
    const validator = this.validatorFor(operation);
    if (!validator || validator(input)) return;
    throw new InvalidParameterException(describeSchemaError(pickError(validator.errors ?? [])));
  }

  /** The compiled validator of an operation (compiling it now if needed); null for an unknown operation. */
  validatorFor(operation: string): ValidateFunction | null {
    let validator = this.validators.get(operation);
    if (validator === undefined) {
      const shape = this.document.operations[operation];
      validator = shape
        ? (this.compiler().getSchema(`${SCHEMA_ID}#/definitions/${encodeURIComponent(shape)}`) ?? null)
        : null;
      this.validators.set(operation, validator);
    }
    return validator;
  }

  private compiler(): Ajv {
    if (!this.ajv) {
      // The schema is generated, so it is not meta-validated; strict mode would refuse its metadata keywords.
      this.ajv = new Ajv({ allErrors: false, strict: false, validateSchema: false, messages: false, verbose: true });
      this.ajv.addSchema({ $id: SCHEMA_ID, definitions: this.document.definitions }, SCHEMA_ID);
    }
    return this.ajv;
  }
}

/** The most useful error to report: for a union that matched no branch, the union itself. */
function pickError(errors: readonly ErrorObject[]): ErrorObject {
  const union = errors.find((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  return union ?? errors[0]!;
}
