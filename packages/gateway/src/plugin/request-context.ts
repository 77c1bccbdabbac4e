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
}
