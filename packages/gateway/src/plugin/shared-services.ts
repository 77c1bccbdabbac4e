/**
 * In-process objects providers share through `ProviderContext.sharedService`, one per key and gateway
 * (not per process: tests run several gateways in one process).
 */
export class SharedServices {
  private readonly services = new Map<string, object>();

  get<T extends object>(key: string, create: () => T): T {
    let service = this.services.get(key);
    if (!service) {
      service = create();
      this.services.set(key, service);
    }
    return service as T;
  }

  /** Stops every service that has a `stop()`, newest first; errors go to `onError`, the rest still stop. */
  async stopAll(onError: (key: string, error: unknown) => void): Promise<void> {
    const entries = [...this.services.entries()].reverse();
    this.services.clear();
    for (const [key, service] of entries) {
      const stop = (service as { stop?: unknown }).stop;
      if (typeof stop !== 'function') continue;
      try {
        await (stop as () => unknown).call(service);
      } catch (error) {
        onError(key, error);
      }
    }
  }
}
