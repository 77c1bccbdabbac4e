export { createGateway, type Gateway, type GatewayOptions } from './app';
export { loadConfig, isTrue, ConfigError, BUNDLED_PROVIDERS, type GatewayConfig } from './config';
export { createLogger } from './logger';
export { ServiceError, defineServiceError } from './plugin/service-error';
export type { RequestContext } from './plugin/request-context';
export type {
  ServiceDescriptor,
  ServedProtocol,
  QueryCodec,
  ServiceProvider,
  ProviderFactory,
  ProviderContext,
  ProviderHealth,
  GatewayInfo,
  UpgradeRoute,
} from './plugin/service-provider';
export { ProviderRegistry, type ProviderSource } from './plugin/registry';
export { AccountRegionStores } from './plugin/account-region-stores';
export { previewJson, quoted, truncateText, PREVIEW_CHARS, QUOTED_CHARS } from './plugin/value-preview';
export { OperationTable, type OperationHandler } from './plugin/operation-table';
export { arnPartition, ARN_PARTITION_PATTERN } from './plugin/arn-partition';
export * from './errors';
export { escapeXml } from './protocol/xml';
export { jsonInPieces, reusableItems, reusableJson } from './protocol/json-protocol';
