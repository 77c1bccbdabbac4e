import type { LogsSink } from '@localcloud/logs-provider';

/**
 * Whether a provider found by name offers CloudWatch Logs' in-process API. The same check as the Logs
 * package's `isLogsSink`, repeated so ECS needs that package's types only, not the package at run time.
 */
export function isLogsSink(value: unknown): value is LogsSink {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return ['ensureGroup', 'ensureStream', 'putEvents', 'durable'].every(
    (method) => typeof candidate[method] === 'function',
  );
}
