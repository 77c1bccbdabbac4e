export interface BackoffConfig {
  /** First delay after a task of a service failed to start; doubles with each further failure. */
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
}

/**
 * Per service, in memory: failed tasks seen, and when the next start is allowed. Failed starts
 * throttle further starts, doubling the delay each time, as ECS does, instead of looping hot.
 */
export class StartThrottle {
  /** Failures in a row since the service last settled. */
  failures = 0;
  private nextStartAt = 0;

  constructor(
    /** Failed tasks counted so far; only more than these are new failures. */
    private failedSeen: number,
  ) {}

  /** Takes in the service's failed task count; true when it grew, pushing the next start back. */
  observe(failedTotal: number, now: number, config: BackoffConfig): boolean {
    const grew = failedTotal > this.failedSeen;
    if (grew) {
      this.failures += failedTotal - this.failedSeen;
      this.nextStartAt =
        now + Math.min(config.backoffMaxMs, config.backoffBaseMs * 2 ** Math.min(this.failures - 1, 20));
    }
    this.failedSeen = failedTotal;
    return grew;
  }

  startAllowed(now: number): boolean {
    return now >= this.nextStartAt;
  }

  /** Starts at once again, e.g. for a rollback: the failures belonged to another deployment. */
  reset(): void {
    this.failures = 0;
    this.nextStartAt = 0;
  }

  /** The service settled: later failures count from one again. */
  settled(): void {
    this.failures = 0;
  }
}

/** The throttles of every service, by service ARN. */
export class StartThrottles {
  private readonly byService = new Map<string, StartThrottle>();

  of(serviceArn: string, failedTotal: number): StartThrottle {
    let throttle = this.byService.get(serviceArn);
    if (!throttle) {
      // Failures from before this process started are history, not a reason to wait.
      throttle = new StartThrottle(failedTotal);
      this.byService.set(serviceArn, throttle);
    }
    return throttle;
  }

  forget(serviceArn: string): void {
    this.byService.delete(serviceArn);
  }
}
