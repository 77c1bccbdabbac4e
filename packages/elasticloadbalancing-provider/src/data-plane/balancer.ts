/**
 * Picks where a request goes: across a forward's target groups by weight (smooth weighted round robin, so
 * 3:1 gives three of every four requests to the first, evenly spread), and round robin across a group's
 * healthy targets.
 */
export class Balancer {
  private readonly groupCredits = new Map<string, Map<string, number>>();
  private readonly targetCursor = new Map<string, number>();

  /** A target group of the forward (keyed by `forwardKey`) among those with a weight and a healthy target. */
  pickGroup(forwardKey: string, groups: readonly { arn: string; weight: number }[]): string | undefined {
    const eligible = groups.filter((g) => g.weight > 0);
    if (eligible.length <= 1) return eligible[0]?.arn;
    let credits = this.groupCredits.get(forwardKey);
    if (!credits) this.groupCredits.set(forwardKey, (credits = new Map()));
    const total = eligible.reduce((sum, g) => sum + g.weight, 0);
    let best: { arn: string; credit: number } | undefined;
    for (const g of eligible) {
      const credit = (credits.get(g.arn) ?? 0) + g.weight;
      credits.set(g.arn, credit);
      if (!best || credit > best.credit) best = { arn: g.arn, credit };
    }
    credits.set(best!.arn, best!.credit - total);
    return best!.arn;
  }

  /** The next of a group's targets in turn. */
  pickTarget<T>(groupArn: string, targets: readonly T[]): T | undefined {
    if (targets.length === 0) return undefined;
    const cursor = this.targetCursor.get(groupArn) ?? 0;
    this.targetCursor.set(groupArn, (cursor + 1) % 1_000_000);
    return targets[cursor % targets.length];
  }
}
