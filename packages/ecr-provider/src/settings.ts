import { ConfigError } from '@localcloud/gateway';

/** `[host:]port` of ECR_REGISTRY_LISTEN; a port alone listens on 127.0.0.1. */
export function parseListen(value: string): { host: string; port: number } {
  const colon = value.lastIndexOf(':');
  const host = colon >= 0 ? value.slice(0, colon).replace(/^\[|\]$/g, '') || '127.0.0.1' : '127.0.0.1';
  const port = Number(colon >= 0 ? value.slice(colon + 1) : value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`ECR_REGISTRY_LISTEN '${value}' is not [host:]port (e.g. 127.0.0.1:4510).`);
  }
  return { host, port };
}

/** ECR_LIFECYCLE_INTERVAL: seconds between lifecycle evaluations of every repository (default 3600; 0: never). */
export function parseInterval(value: string | undefined): number {
  if (value === undefined || value === '') return 3600;
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds < 0) {
    throw new ConfigError(`ECR_LIFECYCLE_INTERVAL '${value}' is not a whole number of seconds (0 turns it off).`);
  }
  return seconds;
}
