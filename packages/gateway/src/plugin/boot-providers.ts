import fs from 'node:fs';
import path from 'node:path';
import { STARTED_AT_BOOT, type GatewayConfig } from '../config';
import { KNOWN_AWS_SERVICES } from '../protocol/aws-services';

/**
 * The enabled services whose providers start at boot, right after the port is bound; the others load on
 * first use. At boot: every one with `PROVIDER_START=eager`; those whose start users see without a request
 * (`STARTED_AT_BOOT`); those with persisted state (`DATA_DIR/<service>` exists with `PERSISTENCE=1`: load
 * balancer listeners, Cloud Map DNS and tasks resume by themselves); and any the edge cannot route without
 * its descriptor (a plugin for a service `KNOWN_AWS_SERVICES` does not list).
 */
export function bootProviders(
  config: Pick<GatewayConfig, 'providerStart' | 'persistence'>,
  enabled: readonly string[],
): string[] {
  if (config.providerStart === 'eager') return [...enabled];
  const { persistence } = config;
  return enabled.filter(
    (name) =>
      STARTED_AT_BOOT.has(name) ||
      !KNOWN_AWS_SERVICES.some((service) => service.name === name) ||
      (persistence.enabled && fs.existsSync(path.join(persistence.dataDir, name))),
  );
}
