/**
 * The shape of a generated service model (`packages/<service>-provider/src/generated/<service>-model.json`,
 * written by `scripts/generate.js` from the service's `@aws-sdk/client-*` package and its constraints
 * overlay). Smithy terms throughout, so the source can change without touching providers.
 */

/** JSON value types of simple shapes (Smithy's integer, long, float, double, bigInteger, bigDecimal are `number`). */
export type SimpleType = 'string' | 'number' | 'boolean' | 'timestamp' | 'blob' | 'document';

/** [min, max]; either may be null (unbounded). */
export type Bounds = readonly [number | null, number | null];

/** What every non-structure shape may carry: constraints, and what XML protocols need to name it. */
export interface Facets {
  readonly enum?: readonly (string | number)[];
  /** Characters of a string, items of a list, entries of a map, bytes of a blob. */
  readonly length?: Bounds;
  readonly range?: Bounds;
  /** A Java-style regular expression the whole value must match (AWS's front end anchors it). */
  readonly pattern?: string;
  /** Timestamp wire format when not the protocol's default: `date-time`, `http-date` or `epoch-seconds`. */
  readonly format?: 'date-time' | 'http-date' | 'epoch-seconds';
  /** Smithy's `sensitive` trait: the value is a secret (a password, a key, a secret's value) never to be logged. */
  readonly sensitive?: boolean;
  /** XML protocols only: the element name, and whether a list or map is flattened. */
  readonly xmlName?: string;
  readonly flattened?: boolean;
}

export type Shape =
  | SimpleType
  | (Facets & { readonly type: SimpleType })
  | (Facets & { readonly list: Shape })
  | (Facets & { readonly map: Shape })
  | (Facets & { readonly structure: string });

export interface StructureShape {
  readonly members: Readonly<Record<string, Shape>>;
  readonly required: readonly string[];
  /** A tagged union: exactly one member is set. */
  readonly union?: boolean;
}

export interface OperationModel {
  readonly input?: string;
  readonly output?: string;
  /** Query protocols: the element wrapping the output (`<Operation>Result`). */
  readonly resultWrapper?: string;
  /** Errors the operation documents, by shape name. */
  readonly errors: readonly string[];
}

export interface ErrorModel {
  readonly fault: 'client' | 'server';
  /** HTTP status when modelled (`httpError`); otherwise 400 for client faults, 500 for server faults. */
  readonly status?: number;
  /** awsQueryError: [code, HTTP status] on the Query wire. */
  readonly query?: readonly [string, number];
}

/** Smithy protocol shape ids without the `aws.protocols#` prefix. */
export type ProtocolName = 'awsJson1_0' | 'awsJson1_1' | 'awsQuery' | 'ec2Query' | 'restJson1' | 'restXml';

export interface ServiceModel {
  readonly source: {
    readonly package: string;
    readonly version: string;
    readonly smithyCore: string;
    /** sha256 of the constraints overlay the model was generated with, or null. */
    readonly overlay: string | null;
  };
  readonly service: {
    readonly name: string;
    readonly protocol: ProtocolName;
    readonly targetPrefix?: string;
    readonly apiVersion?: string;
    readonly namespace?: string;
    readonly xmlNamespace?: string;
  };
  readonly operations: Readonly<Record<string, OperationModel>>;
  readonly structures: Readonly<Record<string, StructureShape>>;
  readonly errors: Readonly<Record<string, ErrorModel>>;
}

/** Reads a generated model (imported JSON) with its types; the JSON is trusted: the generator wrote it. */
export function serviceModel(json: unknown): ServiceModel {
  return json as ServiceModel;
}

/**
 * A generated model read on first use: `load` (a `require` of the JSON) runs when a member of the model
 * is first read, not at start. A provider's model is tens to hundreds of kB of JSON (about 2 MiB of heap
 * for all of them), and most services see no request in a session; the gateway only needs a provider's
 * model when a request for it arrives.
 */
export function lazyServiceModel(load: () => unknown): ServiceModel {
  let model: ServiceModel | undefined;
  const loaded = () => (model ??= serviceModel(load()));
  return {
    get source() {
      return loaded().source;
    },
    get service() {
      return loaded().service;
    },
    get operations() {
      return loaded().operations;
    },
    get structures() {
      return loaded().structures;
    },
    get errors() {
      return loaded().errors;
    },
  };
}

/** A value made on first use (a validator, a codec, a model's operation set), then kept. */
export function onFirstUse<T>(make: () => T): () => T {
  let value: T | undefined;
  let made = false;
  return () => {
    if (!made) {
      value = make();
      made = true;
    }
    return value as T;
  };
}

export function typeOf(shape: Shape): SimpleType | 'list' | 'map' | 'structure' {
  if (typeof shape === 'string') return shape;
  if ('list' in shape) return 'list';
  if ('map' in shape) return 'map';
  if ('structure' in shape) return 'structure';
  return shape.type;
}
