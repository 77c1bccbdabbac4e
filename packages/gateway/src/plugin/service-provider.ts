import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'winston';
import type { RequestContext } from './request-context';

/** How the edge recognises requests for one AWS service. */
export interface ServiceDescriptor {
  /** Name used in `SERVICES` and in SigV4 credential scopes, e.g. `ecs`. */
  readonly name: string;
  /** `X-Amz-Target` prefix for AWS JSON services, e.g. `AmazonEC2ContainerServiceV20141113`. */
  readonly targetPrefix?: string;
  /** Wire protocol of the service's API: AWS JSON 1.1 or 1.0, or AWS Query (form in, XML out). */
  readonly protocol: ServedProtocol;
  /** Query services: the API version every request names (`Version=2015-12-01`). */
  readonly apiVersion?: string;
  /** Query services: the namespace of the response's root element. */
  readonly xmlNamespace?: string;
}

/** The wire protocols the gateway serves. */
export type ServedProtocol = 'json1.1' | 'json1.0' | 'query';

/**
 * What the gateway needs from a Query service's model: requests carry every value as a flat string
 * (`Subnets.member.1=…`), and responses are XML named as the model names them. The gateway knows no model,
 * so a Query provider hands it one (`QueryCodec` of `@localcloud/aws-model` builds it from the generated model).
 */
export interface QueryCodec {
  /**
   * The operation's input from the request's flat parameters (without `Action` and `Version`): lists, maps
   * and structures rebuilt, numbers and booleans parsed where they parse (a value that does not is left as
   * its string, for the validator to refuse).
   */
  decodeInput(operation: string, params: ReadonlyMap<string, string>): Record<string, unknown>;
  /** The XML of the operation's result element (`<OperationResult>…</OperationResult>`), or '' if it has none. */
  encodeOutput(operation: string, output: unknown): string;
}

/** Where the gateway ended up listening, handed to providers once the port is bound. */
export interface GatewayInfo {
  /** URL of the edge as seen from this host, e.g. `http://127.0.0.1:4566`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
}

export interface ProviderHealth {
  /**
   * `running` when the provider can serve its whole API, `degraded` when part of it is unavailable;
   * `available` (the gateway's word, as LocalStack's) when it is enabled but not loaded yet: its first use loads it.
   */
  readonly status: 'running' | 'degraded' | 'stopped' | 'available';
  readonly [detail: string]: unknown;
}

/**
 * A connection upgrade (e.g. a WebSocket) a provider serves on the gateway's own port, under a path of
 * its own. The gateway knows nothing of the protocol: it hands over the request and the socket.
 */
export interface UpgradeRoute {
  /** Requests whose path starts with this come here, e.g. `/_localcloud/ecs/data-channel/`. */
  readonly pathPrefix: string;
  /**
   * Takes over the socket: complete the upgrade (e.g. `ws`'s `handleUpgrade`) or answer an HTTP error
   * on it and end it. Errors thrown here destroy the socket.
   */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
}

/** What the gateway gives a provider when it creates it. */
export interface ProviderContext {
  readonly logger: Logger;
  /** The process environment: each provider reads and documents its own settings. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Durable state: when enabled, providers keep their state below `dataDir/<service>`. */
  readonly persistence: { readonly enabled: boolean; readonly dataDir: string };
  /**
   * Another enabled provider by service name, once it is created and started: a provider is loaded on its
   * first use, and this is one (the first caller loads it; callers meanwhile share that one load). Resolves
   * `undefined` when that service is not enabled or its provider could not load or start. Call it when it is
   * needed (at request or task time), never in the factory; never await, in your `start`, a provider whose
   * `start` awaits yours. The gateway knows nothing of what providers offer each other: check the result's shape.
   * A lookup also orders the shutdown: this provider stops before the one it looked up, which still answers
   * lookups during this provider's `stop` (for its last deliveries).
   */
  lookupProvider(name: string): Promise<ServiceProvider | undefined>;
  /**
   * One in-process object shared by every provider of this gateway under `key` (e.g. a name table several
   * providers write into): created by the first caller's `create`, the same object afterwards. The gateway
   * knows nothing of it beyond an optional `stop()`, which it calls once after every provider stopped.
   */
  sharedService<T extends object>(key: string, create: () => T): T;
}

/**
 * A service plugin. The gateway routes a request to it by descriptor, checks the operation exists,
 * lets it validate the input, then calls `handle`. Results are plain data (Dates allowed); failures are
 * thrown `ServiceError`s.
 */
export interface ServiceProvider {
  readonly service: ServiceDescriptor;
  /** Every operation in the service's API model, implemented or not. */
  readonly operations: ReadonlySet<string>;
  /** Required for `protocol: 'query'`: how its requests are read and its results written. */
  readonly queryCodec?: QueryCodec;
  /** Throws a `ServiceError` when the input does not fit the operation's model. */
  validateInput?(operation: string, input: unknown): void;
  handle(operation: string, input: unknown, context: RequestContext): Promise<unknown>;
  /**
   * A copy of a request (`input`) or response (`output`) body of `operation`, parsed from JSON, with every
   * value the service's model marks sensitive replaced (`redactSensitive` of @localcloud/aws-model), for the
   * DEBUG request log. A provider that has it never has a body logged without it: a body it cannot
   * parse, or of an unknown operation, is left out of the log.
   */
  redactForLog?(operation: string, kind: 'input' | 'output', body: unknown): unknown;
  /**
   * Upgrades (WebSockets) served under paths of the gateway's port, e.g. a data channel whose URL an
   * operation hands out. Read once, when the gateway is created; prefixes must not overlap.
   */
  readonly upgradeRoutes?: readonly UpgradeRoute[];
  start?(gateway: GatewayInfo): Promise<void>;
  /** Also ends the provider's upgraded connections: the gateway's close does not track them. */
  stop?(): Promise<void>;
  health?(): Promise<ProviderHealth>;
}

/** A plugin module exports `createProvider` of this type. */
export type ProviderFactory = (context: ProviderContext) => ServiceProvider | Promise<ServiceProvider>;
