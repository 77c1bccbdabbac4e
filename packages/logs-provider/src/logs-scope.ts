import type { Scope } from './arn';
import type { LogsStore } from './store/logs-store';

/** What every CloudWatch Logs handler works on: the caller's account and region, and only that state. */
export interface LogsScope {
  readonly scope: Scope;
  readonly store: LogsStore;
  /** Milliseconds since the epoch, as every Logs timestamp is. */
  readonly now: number;
}
