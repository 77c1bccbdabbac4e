import path from 'node:path';

/** Providers shipped with localcloud, by service name: the default of `SERVICES`. */
export const BUNDLED_PROVIDERS: Readonly<Record<string, string>> = {
  ecs: '@localcloud/ecs-provider',
  logs: '@localcloud/logs-provider',
  elasticloadbalancing: '@localcloud/elasticloadbalancing-provider',
  ssm: '@localcloud/ssm-provider',
  secretsmanager: '@localcloud/secretsmanager-provider',
  servicediscovery: '@localcloud/servicediscovery-provider',
  ecr: '@localcloud/ecr-provider',
};

/**
 * Bundled providers started at boot even with nothing persisted: ECS's start removes the containers a previous
 * run left behind and follows the engine, which users see without sending it a request (docs/architecture.md).
 */
export const STARTED_AT_BOOT: ReadonlySet<string> = new Set(['ecs']);

/** `lazy`: providers load on first use (default); `eager`: every enabled provider starts at boot. */
export type ProviderStart = 'lazy' | 'eager';

export interface GatewayConfig {
  readonly host: string;
  readonly port: number;
  /** Service name → module that exports `createProvider`. */
  readonly providerModules: Readonly<Record<string, string>>;
  readonly providerStart: ProviderStart;
  readonly defaultRegion: string;
  readonly defaultAccountId: string;
  readonly maxBodyBytes: number;
  readonly debug: boolean;
  readonly logLevel: string;
  readonly persistence: { readonly enabled: boolean; readonly dataDir: string };
  /** The URL users should point clients at, when it is not the listen address (a published container port). */
  readonly publicUrl?: string;
}

export class ConfigError extends Error {}

/** Reads the gateway's settings from the environment; docs/configuration.md lists each one. */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): GatewayConfig {
  const { host, port } = parseListen(env.GATEWAY_LISTEN ?? '127.0.0.1:4566');
  const extraModules = parseModuleList(env.PROVIDER_MODULES ?? '');
  const available = { ...BUNDLED_PROVIDERS, ...extraModules };
  const services = (env.SERVICES ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  const enabled = services.length > 0 ? services : Object.keys(available);
  const providerModules: Record<string, string> = {};
  for (const name of enabled) {
    const moduleName = available[name];
    if (!moduleName) {
      throw new ConfigError(
        `SERVICES names '${name}', but no provider serves it. Available: ${Object.keys(available).join(', ')}.`,
      );
    }
    providerModules[name] = moduleName;
  }
  const providerStart = (env.PROVIDER_START || 'lazy').trim().toLowerCase();
  if (providerStart !== 'lazy' && providerStart !== 'eager') {
    throw new ConfigError(`PROVIDER_START '${env.PROVIDER_START}' is neither 'lazy' nor 'eager'.`);
  }
  const defaultAccountId = env.DEFAULT_ACCOUNT_ID ?? '000000000000';
  if (!/^\d{12}$/.test(defaultAccountId)) throw new ConfigError('DEFAULT_ACCOUNT_ID must be 12 digits.');
  return {
    host,
    port,
    providerModules,
    providerStart,
    defaultRegion: env.DEFAULT_REGION ?? 'us-east-1',
    defaultAccountId,
    maxBodyBytes: parsePositiveInt('MAX_REQUEST_BODY_BYTES', env.MAX_REQUEST_BODY_BYTES, 10 * 1024 * 1024),
    debug: isTrue(env.DEBUG),
    logLevel: env.LOG_LEVEL ?? (isTrue(env.DEBUG) ? 'debug' : 'info'),
    persistence: {
      enabled: isTrue(env.PERSISTENCE),
      dataDir: path.resolve(env.DATA_DIR ?? '.localcloud'),
    },
    publicUrl: parsePublicUrl(env.GATEWAY_PUBLIC_URL),
  };
}

/**
 * The URL the "ready" line tells users to use: `GATEWAY_PUBLIC_URL`, else the listen address, with
 * `localhost` for loopback and all-addresses listeners (what the docs and the AWS CLI examples use).
 */
export function publicUrlOf(config: Pick<GatewayConfig, 'host' | 'publicUrl'>, port: number): string {
  if (config.publicUrl) return config.publicUrl;
  const local = ['0.0.0.0', '::', '127.0.0.1', '::1', 'localhost'].includes(config.host);
  const host = local ? 'localhost' : config.host.includes(':') ? `[${config.host}]` : config.host;
  return `http://${host}:${port}`;
}

function parsePublicUrl(value: string | undefined): string | undefined {
  if (!value) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || !['http:', 'https:'].includes(url.protocol)) {
    throw new ConfigError(`GATEWAY_PUBLIC_URL '${value}' is not an http(s) URL (e.g. http://localhost:4566).`);
  }
  return value.replace(/\/+$/, '');
}

export function isTrue(value: string | undefined): boolean {
  return value !== undefined && ['1', 'true', 'yes', 'on'].includes(value.trim().toLowerCase());
}

function parseListen(value: string): { host: string; port: number } {
  const colon = value.lastIndexOf(':');
  const host = colon >= 0 ? value.slice(0, colon).replace(/^\[|\]$/g, '') || '127.0.0.1' : '127.0.0.1';
  const port = Number(colon >= 0 ? value.slice(colon + 1) : value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`GATEWAY_LISTEN '${value}' is not host:port (e.g. 127.0.0.1:4566).`);
  }
  return { host, port };
}

function parseModuleList(value: string): Record<string, string> {
  const modules: Record<string, string> = {};
  for (const entry of value
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const [name, moduleName] = entry.split('=');
    if (!name || !moduleName) throw new ConfigError(`PROVIDER_MODULES entry '${entry}' is not name=module.`);
    modules[name.trim().toLowerCase()] = moduleName.trim();
  }
  return modules;
}

function parsePositiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new ConfigError(`${name} must be a positive integer.`);
  return parsed;
}
