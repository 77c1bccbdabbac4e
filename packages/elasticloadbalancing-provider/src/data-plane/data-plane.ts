import type { AddressInfo, Server } from 'node:net';
import type { Logger } from 'winston';
import type { DataPlaneView } from '../operations';
import type { ElasticLoadBalancingV2Store } from '../store';
import type { Scope } from '../domain/arn';
import type { ListenerRecord, TargetRecord } from '../domain/records';
import { targetKey } from '../domain/records';
import { HEALTH, type TargetHealthDescription } from '../domain/target-health';
import { loadBalancersOf } from '../handlers/target-groups';
import { rulesInOrder } from '../handlers/rules';
import { Balancer } from './balancer';
import { servingTargets } from './unhealthy-state-routing';
import { HealthChecker } from './health-checker';
import { HttpListener } from './http-listener';
import { TcpListener } from './tcp-listener';
import { route, type RoutingState } from './router';

interface Served {
  readonly scopeKey: string;
  readonly port: number;
  readonly protocol: string;
  readonly listener: HttpListener | TcpListener;
  readonly address: { host: string; port: number };
}

const scopeKeyOf = ({ accountId, region }: Scope) => `${accountId}/${region}`;
/** `arn:<partition>:elasticloadbalancing:<region>:<account>:…` → `<account>/<region>`. */
const scopeKeyOfArn = (arn: string) => {
  const [, , , region, accountId] = arn.split(':');
  return `${accountId}/${region}`;
};

/**
 * The load balancers' data plane: a real server per listener, health checks per target in service, and the
 * drain of deregistered targets. It reads the store at each request, so a change to rules or targets applies
 * to the next request; `changed` starts and stops what the state says should run.
 */
export class DataPlane implements DataPlaneView {
  private readonly served = new Map<string, Served>();
  private readonly checkers = new Map<string, HealthChecker>();
  private readonly drains = new Map<string, NodeJS.Timeout>();
  private readonly stores = new Map<string, { scope: Scope; store: ElasticLoadBalancingV2Store }>();
  private readonly balancer = new Balancer();
  /** Listeners that could not bind, with why (health reports them). */
  readonly unserved = new Map<string, string>();
  private queue: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly logger: Logger,
    /** The address listeners bind: 127.0.0.1 unless `ELB_LISTEN_HOST` says otherwise. */
    private readonly bindHost: string,
  ) {}

  changed(scope: Scope, store: ElasticLoadBalancingV2Store): Promise<void> {
    this.stores.set(scopeKeyOf(scope), { scope, store });
    // One reconcile at a time: listeners bind asynchronously and two changes must not race.
    const next = this.queue.then(() => this.reconcile(scopeKeyOf(scope), store));
    this.queue = next.catch(() => {});
    return next;
  }

  boundAddress(listenerArn: string) {
    return this.served.get(listenerArn)?.address;
  }

  /** Every served listener and where it listens, for the provider's health report. */
  servedListeners() {
    return [...this.served.entries()].map(([arn, s]) => ({
      listenerArn: arn,
      port: s.port,
      address: `${s.address.host}:${s.address.port}`,
    }));
  }

  targetHealth(
    store: ElasticLoadBalancingV2Store,
    tgArn: string,
    t: { id: string; port: number },
  ): TargetHealthDescription {
    const key = targetKey(tgArn, t.id, t.port);
    const target = store.targets.get(key);
    if (!target) return HEALTH.notRegistered;
    if (target.drainingUntil) return HEALTH.draining;
    if (loadBalancersOf(store, tgArn).length === 0) return HEALTH.notInUse;
    if (store.targetGroups.get(tgArn)?.healthCheck.enabled === false) return HEALTH.disabled;
    return this.checkers.get(key)?.health ?? HEALTH.registering;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.queue;
    for (const checker of this.checkers.values()) checker.stop();
    this.checkers.clear();
    for (const timer of this.drains.values()) clearTimeout(timer);
    this.drains.clear();
    await Promise.all([...this.served.values()].map((s) => s.listener.close()));
    this.served.clear();
  }

  private async reconcile(scopeKey: string, store: ElasticLoadBalancingV2Store): Promise<void> {
    if (this.stopped) return;
    this.reconcileTargets(scopeKey, store);
    await this.reconcileListeners(scopeKey, store);
  }

  private async reconcileListeners(scopeKey: string, store: ElasticLoadBalancingV2Store): Promise<void> {
    const wanted = new Map([...store.listeners.values()].map((l) => [l.arn, l]));
    for (const [arn, served] of this.served) {
      const listener = wanted.get(arn);
      if (served.scopeKey !== scopeKey) continue;
      if (!listener || listener.port !== served.port || listener.protocol !== served.protocol) {
        this.served.delete(arn);
        await served.listener.close();
      }
    }
    for (const listener of wanted.values()) {
      if (this.served.has(listener.arn)) continue;
      try {
        await this.serve(scopeKey, store, listener);
        this.unserved.delete(listener.arn);
      } catch (error) {
        // The API call that changed the state still succeeds, as on AWS; the listener is reported unserved.
        this.unserved.set(listener.arn, String(error));
        this.logger.error('load balancer listener cannot listen', { listenerArn: listener.arn, error: String(error) });
      }
    }
    for (const arn of this.unserved.keys())
      if (scopeKeyOfArn(arn) === scopeKey && !wanted.has(arn)) this.unserved.delete(arn);
  }

  private async serve(scopeKey: string, store: ElasticLoadBalancingV2Store, record: ListenerRecord): Promise<void> {
    const state = this.routingState(store);
    const fresh = () => store.listeners.get(record.arn);
    const listener =
      record.protocol === 'HTTP' || record.protocol === 'HTTPS'
        ? new HttpListener({ port: record.port, protocol: record.protocol }, (request) => {
            const current = fresh();
            return current ? route(state, current, request) : { kind: 'unavailable' };
          })
        : new TcpListener(() => {
            const current = fresh();
            const decision = current ? route(state, current, emptyRequest) : undefined;
            return decision?.kind === 'forward' ? decision : undefined;
          });
    const address = await bind(listener.server, record.port, this.bindHost);
    this.served.set(record.arn, { scopeKey, port: record.port, protocol: record.protocol, listener, address });
    this.logger.info(
      address.port === record.port
        ? `load balancer listener on port ${record.port} serves at ${address.host}:${address.port}`
        : `load balancer listener on port ${record.port} serves at ${address.host}:${address.port} (port ${record.port} was taken)`,
      { listenerArn: record.arn },
    );
  }

  private reconcileTargets(scopeKey: string, store: ElasticLoadBalancingV2Store): void {
    const wanted = new Map<string, TargetRecord>();
    for (const [key, target] of store.targets.entries()) {
      if (target.drainingUntil) this.drain(scopeKey, store, key, target);
      else if (loadBalancersOf(store, target.targetGroupArn).length > 0) wanted.set(key, target);
    }
    for (const [key, checker] of this.checkers) {
      if (scopeKeyOfArn(key) === scopeKey && !wanted.has(key)) {
        checker.stop();
        this.checkers.delete(key);
      }
    }
    for (const [key, target] of wanted) {
      if (this.checkers.has(key)) continue;
      const tg = () => store.targetGroups.get(target.targetGroupArn);
      const checker = new HealthChecker({
        host: addressOf(tg()?.targetType, target.id),
        trafficPort: target.port,
        settings: () => tg()?.healthCheck,
      });
      this.checkers.set(key, checker);
      checker.start();
    }
  }

  /** A draining target leaves the group when its deregistration delay is over (also after a restart). */
  private drain(scopeKey: string, store: ElasticLoadBalancingV2Store, key: string, target: TargetRecord): void {
    if (this.drains.has(key)) return;
    const remove = () => {
      this.drains.delete(key);
      const current = store.targets.get(key);
      if (this.stopped || !current?.drainingUntil) return;
      store.targets.delete(key);
      void this.changed(this.stores.get(scopeKey)!.scope, store).catch((error) =>
        this.logger.error('load balancer state change failed', { error: String(error) }),
      );
    };
    const timer = setTimeout(remove, Math.max(0, target.drainingUntil!.getTime() - Date.now()));
    timer.unref();
    this.drains.set(key, timer);
  }

  private routingState(store: ElasticLoadBalancingV2Store): RoutingState {
    return {
      rules: (listenerArn) => rulesInOrder(store, listenerArn),
      servingTargets: (tgArn) => {
        const tg = store.targetGroups.get(tgArn);
        if (!tg) return [];
        const registered = store.targetsOf(tgArn).filter((t) => !t.drainingUntil);
        const checked = (t: TargetRecord) => this.checkers.get(targetKey(tgArn, t.id, t.port))?.health.State;
        // Fail open below the group's minimum healthy targets, as ELBv2 does (unhealthy-state-routing.ts).
        const serving = servingTargets(
          tg.attributes,
          registered,
          (t) => !tg.healthCheck.enabled || checked(t) === 'healthy',
          (t) => checked(t) === 'unhealthy',
        );
        return serving.map((t) => ({ host: addressOf(tg.targetType, t.id), port: t.port }));
      },
      pickGroup: (key, groups) => this.balancer.pickGroup(key, groups),
      pickTarget: (groupArn, targets) => this.balancer.pickTarget(groupArn, targets),
    };
  }
}

/** An `ip` target is its address; an `instance` target is the local host (the one container instance). */
function addressOf(targetType: string | undefined, id: string): string {
  return targetType === 'ip' ? id : '127.0.0.1';
}

const emptyRequest = {
  path: '/',
  host: '',
  method: 'GET',
  headers: {},
  query: new URLSearchParams(),
  sourceIp: '',
};

/** Binds the listener's own port when free, else one the system picks (logged, and in the provider's health). */
function bind(server: Server, port: number, host: string): Promise<{ host: string; port: number }> {
  const attempt = (p: number) =>
    new Promise<{ host: string; port: number }>((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      server.once('error', onError);
      server.listen(p, host, () => {
        server.off('error', onError);
        resolve({ host, port: (server.address() as AddressInfo).port });
      });
    });
  return attempt(port).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EADDRINUSE' && error.code !== 'EACCES') throw error;
    return attempt(0);
  });
}
