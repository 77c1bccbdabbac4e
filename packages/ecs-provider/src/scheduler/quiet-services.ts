import type { AccountRegionStores } from '@localcloud/gateway';
import { isLive } from '../domain/service';
import type { EcsStore } from '../store/ecs-store';
import type { ServiceRecord } from '../store/records';
import type { PassReads, ServicePass } from './service-pass';
import type { StartThrottle } from './start-throttle';
import type { TaskRecord } from '../runtime/task-record';

type FailingTargetGroup = (task: TaskRecord) => string | undefined;

/**
 * The services whose last pass did nothing and would do nothing again until something it read changes:
 * the scheduler skips them. A pass is a function of the stored service, its tasks, its service
 * deployments, the start throttle and the clock; the first three are compared by identity, stamp and
 * version (`PassReads`), so only a pass that cannot depend on the clock or on anything outside the store
 * is remembered. With 1,000 settled services, a pass was ~10 µs each every second for nothing
 * (docs/benchmarks.md, the scan round).
 */
export class QuietServices {
  private readonly byArn = new Map<string, PassReads>();

  constructor(private readonly stores: AccountRegionStores<EcsStore>) {}

  /** Whether the service's last pass was quiet and nothing it read has changed since. */
  unchanged(record: ServiceRecord): boolean {
    const read = this.byArn.get(record.serviceArn!);
    if (!read || read.record !== record) return false;
    const { store } = read;
    // A failed sync replaces the account's store (and its views): everything is read again.
    if (this.stores.get(store.scope.accountId, store.scope.region) !== store) return false;
    return (
      store.taskIndex.groupStamp(read.clusterName, read.group) === read.tasksStamp &&
      store.serviceDeployments.version === read.serviceDeploymentsVersion
    );
  }

  /** After a pass: remembered when it wrote nothing and nothing it decided can change with time alone. */
  passed(pass: ServicePass, wrote: boolean, throttle: StartThrottle, failing?: FailingTargetGroup): void {
    const arn = pass.read.record.serviceArn!;
    if (!wrote && timeless(pass, throttle, failing)) this.byArn.set(arn, pass.read);
    else this.byArn.delete(arn);
  }

  forget(serviceArn: string): void {
    this.byArn.delete(serviceArn);
  }

  clear(): void {
    this.byArn.clear();
  }
}

/**
 * Whether the pass's decisions hold until its inputs change: no start waiting for its backoff, no
 * UNHEALTHY task or failing load balancer target waiting for its grace period, no protected task waiting
 * for its protection to expire, and no live task behind a load balancer (target health is the load
 * balancer's, not the store's; its changes also clear every service, `ServiceScheduler.targetsChanged`).
 */
function timeless(pass: ServicePass, throttle: StartThrottle, failing: FailingTargetGroup | undefined): boolean {
  if (!throttle.startAllowed(pass.now)) return false;
  const { service } = pass;
  const balanced =
    (service.loadBalancers?.length ?? 0) > 0 ||
    (service.taskSets ?? []).some((t) => (t.loadBalancers?.length ?? 0) > 0);
  for (const task of pass.tasks) {
    if (!isLive(task)) continue;
    if (balanced || task.healthStatus === 'UNHEALTHY' || task.protection?.protectionEnabled) return false;
    if (failing?.(task) !== undefined) return false;
  }
  return true;
}
