/**
 * Input shapes as the generator reads them from the SDK's model schemas: member types, nesting and which
 * members are required. Nothing here is specific to CloudWatch Logs.
 */
export type Shape =
  | 'string'
  | 'number'
  | 'boolean'
  | 'timestamp'
  | 'blob'
  | 'document'
  | { readonly list: Shape }
  | { readonly map: Shape }
  | { readonly structure: string };

export interface StructureShape {
  readonly members: Readonly<Record<string, Shape>>;
  readonly required: readonly string[];
  /** A tagged union: exactly one member is set. */
  readonly union?: boolean;
}

export interface InputShapes {
  /** Operation name → name of its input structure. */
  readonly operations: Readonly<Record<string, string>>;
  readonly structures: Readonly<Record<string, StructureShape>>;
}
