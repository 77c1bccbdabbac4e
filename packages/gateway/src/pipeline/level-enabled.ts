import type { Logger } from 'winston';

/** What winston keeps of a level: its number, or null for a name it does not know (its `getLevelValue`). */
function levelValue(levels: Record<string, number>, level: string | undefined): number | null {
  const value = levels[level as string];
  return !value && value !== 0 ? null : value;
}

/**
 * `logger.isLevelEnabled(level)`, as winston 3 answers it, without what that costs on every request:
 * its `transports` getter makes two arrays from the stream's pipe state each time (`[pipes].filter(Boolean)`
 * for one transport) and `findIndex` a closure (~0.55 kB of the young generation per request). It reads
 * that pipe state itself where it has the form winston's readable-stream gives it (none, one transport,
 * or an array of them) and asks winston otherwise.
 */
export function isLevelEnabled(logger: Logger, level: string): boolean {
  const pipes = (logger as unknown as { _readableState?: { pipes?: unknown } })._readableState?.pipes;
  if (Array.isArray(pipes) || (pipes !== null && pipes !== undefined && typeof pipes !== 'object'))
    return logger.isLevelEnabled(level);
  const levels = logger.levels as Record<string, number>;
  const given = levelValue(levels, level);
  if (given === null) return false;
  const configured = levelValue(levels, logger.level);
  if (configured === null) return false;
  if (!pipes) return configured >= given;
  // One transport: its own level if it has one winston knows, else the logger's.
  return (levelValue(levels, (pipes as { level?: string }).level) ?? configured) >= given;
}
