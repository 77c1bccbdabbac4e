/**
 * A service's input shapes as the JSON Schema subset the providers' models use, so test tools (the
 * request fuzzer) can build requests for any provider without knowing how it validates.
 */
export interface InputSchema {
  readonly type?: 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean' | 'null';
  readonly properties?: Readonly<Record<string, InputSchema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: InputSchema | boolean;
  readonly items?: InputSchema;
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly anyOf?: readonly InputSchema[];
  readonly oneOf?: readonly InputSchema[];
  /** `#/definitions/<name>` */
  readonly $ref?: string;
}

export interface InputModel {
  /** Operation name → its input structure. */
  readonly operations: Readonly<Record<string, InputSchema>>;
  readonly definitions: Readonly<Record<string, InputSchema>>;
}
