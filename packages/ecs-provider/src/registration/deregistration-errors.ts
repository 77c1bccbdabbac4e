/**
 * What a failed deregistration means for the registrars (docs/ecs-provider.md, "Deregistrations that
 * fail"): `gone` — the target or instance, or its group, no longer exists: nothing to undo; `final` — a
 * validation-type 4xx that no retry can change: dropped, with an error log; `missing` — the other service is
 * not enabled in this process: kept, not retried (the next start may have it); `retry` — throttling, a
 * resource busy, a 5xx or anything unknown.
 */
export type DeregistrationVerdict = 'gone' | 'final' | 'missing' | 'retry';

/** The other service's provider is not enabled (not in `SERVICES`). */
export class ProviderMissingError extends Error {
  constructor(readonly service: string) {
    super(`${service} is not enabled in localcloud`);
  }
}

/** 4xx codes that say "try again", whatever their status. */
const TRANSIENT = /throttl|toomanyrequests|requestlimitexceeded|resourceinuse|duplicaterequest|serviceunavailable/i;
/** Validation codes, for an error that carries no status. */
const VALIDATION = /^(InvalidInput|ValidationError|ValidationException|InvalidParameter\w*|MissingParameter)$/;

export function deregistrationVerdict(error: unknown, goneCodes: ReadonlySet<string>): DeregistrationVerdict {
  if (error instanceof ProviderMissingError) return 'missing';
  const { code, statusCode } = (error ?? {}) as { code?: unknown; statusCode?: unknown };
  const name = typeof code === 'string' ? code : '';
  if (goneCodes.has(name)) return 'gone';
  if (TRANSIENT.test(name)) return 'retry';
  if (VALIDATION.test(name)) return 'final';
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) return 'final';
  return 'retry';
}
