/**
 * Which provider looked up which (`ProviderContext.lookupProvider`), and from that the order to stop them
 * in: a provider that looks others up may hand them work until its own `stop` ends (ECS ships its last
 * awslogs batch to Logs and deregisters from Cloud Map while it stops), so it stops before them.
 */
export class LookupGraph {
  /** Per provider, the providers it looked up. */
  private readonly lookups = new Map<string, Set<string>>();

  /** `user` looked `used` up (a provider looking itself up is no dependency). */
  record(user: string, used: string): void {
    if (user === used) return;
    let targets = this.lookups.get(user);
    if (!targets) this.lookups.set(user, (targets = new Set()));
    targets.add(used);
  }

  /** Whether `user` ever looked `used` up. */
  looksUp(user: string, used: string): boolean {
    return this.lookups.get(user)?.has(used) ?? false;
  }

  /**
   * The started providers (`started`, in the order their starts ended) in the order to stop them: each
   * before every provider it looked up, otherwise newest first (as before lookups were recorded). In a
   * cycle of lookups no order serves every provider: the newest of those left stops first, and `onCycle`
   * is told which providers still looked it up.
   */
  stopOrder(started: readonly string[], onCycle: (stopped: string, lookedUpBy: string[]) => void): string[] {
    const left = [...started].reverse();
    const order: string[] = [];
    while (left.length > 0) {
      const lookedUpBy = (name: string) => left.filter((other) => other !== name && this.looksUp(other, name));
      let next = left.findIndex((name) => lookedUpBy(name).length === 0);
      if (next < 0) {
        next = 0;
        onCycle(left[0]!, lookedUpBy(left[0]!));
      }
      order.push(...left.splice(next, 1));
    }
    return order;
  }
}
