/** What the gateway has learnt about one request by the time a provider sees it. */
export interface RequestContext {
  readonly requestId: string;
  /** The service's signing name, e.g. `ecs`. */
  readonly service: string;
  /** The API operation, e.g. `CreateCluster`. */
  readonly operation: string;
  readonly region: string;
  /** 12-digit AWS account id. */
  readonly accountId: string;
  readonly accessKeyId?: string;
  /**
   * The `Host` header the client addressed (e.g. `localhost:4566`), for URLs a provider hands back to
   * the same client, such as a WebSocket stream URL on the gateway's port (see `upgradeRoutes`).
   */
  readonly host?: string;
  /**
   * The request body's length in bytes as read (after its Content-Encoding); 0 without one. A provider
   * enforcing a size limit of AWS's on part of a JSON input can skip measuring it when the whole body is
   * smaller. (An AWS Query GET carries its input in the URL, not the body.)
   */
  readonly bodyBytes?: number;
}
