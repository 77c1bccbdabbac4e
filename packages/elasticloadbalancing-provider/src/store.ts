import type { DurableTable, StateStore } from '@localcloud/persistence';
import type { ListenerRecord, LoadBalancerRecord, RuleRecord, TargetGroupRecord, TargetRecord } from './domain/records';

/** The ELBv2 state of one account and region: durable tables of a @localcloud/persistence store, by ARN. */
export class ElasticLoadBalancingV2Store {
  readonly loadBalancers: DurableTable<LoadBalancerRecord>;
  readonly targetGroups: DurableTable<TargetGroupRecord>;
  readonly listeners: DurableTable<ListenerRecord>;
  readonly rules: DurableTable<RuleRecord>;
  /** By `targetKey(group, id, port)`. */
  readonly targets: DurableTable<TargetRecord>;

  constructor(private readonly state: StateStore) {
    this.loadBalancers = this.table('loadBalancers');
    this.targetGroups = this.table('targetGroups');
    this.listeners = this.table('listeners');
    this.rules = this.table('rules');
    this.targets = this.table('targets');
  }

  /** A durable table of this account and region. */
  table<T>(name: string) {
    return this.state.table<T>(`elasticloadbalancing.${name}`);
  }

  /** Several changes as one: all or none survive a crash. */
  transaction(fn: () => void): void {
    this.state.transaction(fn);
  }

  listenersOf(loadBalancerArn: string): ListenerRecord[] {
    return [...this.listeners.values()].filter((l) => l.loadBalancerArn === loadBalancerArn);
  }

  rulesOf(listenerArn: string): RuleRecord[] {
    return [...this.rules.values()].filter((r) => r.listenerArn === listenerArn);
  }

  targetsOf(targetGroupArn: string): TargetRecord[] {
    return [...this.targets.values()].filter((t) => t.targetGroupArn === targetGroupArn);
  }

  /** Resolves once every change so far is durable (group commit): answers wait for it. */
  durable(): Promise<void> {
    return this.state.durable();
  }

  close(): void {
    this.state.close();
  }
}
