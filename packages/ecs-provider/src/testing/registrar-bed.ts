import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RequestContext, ServiceProvider } from '@localcloud/gateway';
import { openStateStore, type DurableTable, type StateStore } from '@localcloud/persistence';
import winston from 'winston';
import { ServiceRegistrar, type LeftBehind, type ServiceRegistrarOptions } from '../discovery/service-registrar';
import {
  TargetRegistrar,
  type TargetRegistrarOptions,
  type TargetsLeftBehind,
} from '../load-balancing/target-registrar';
import type { TaskRecord } from '../runtime/task-record';
import { RecordingCloudMap } from './recording-cloud-map';

/*
 * One test bed for ECS's two registrars (Cloud Map instances, ELBv2 targets), which share their queue,
 * their retries, their stored records and the task's holdings: a task record read and written as the
 * provider's repository does, a fake of the other service, a state directory reopened as a restarted
 * gateway would, and a clock. `registrar-kinds` says what differs between the two.
 */

export const TASK_ARN = 'arn:aws:ecs:us-east-1:000000000000:task/web/0123456789abcdef0123456789abcdef';

/** A RUNNING awsvpc service task (its ENI address is what both registrars register). */
export const RUNNING = {
  taskArn: TASK_ARN,
  accountId: '000000000000',
  region: 'us-east-1',
  clusterArn: 'arn:aws:ecs:us-east-1:000000000000:cluster/web',
  taskDefinitionArn: 'arn:aws:ecs:us-east-1:000000000000:task-definition/api:1',
  desiredStatus: 'RUNNING',
  lastStatus: 'RUNNING',
  attachments: [{ type: 'ElasticNetworkInterface', details: [{ name: 'privateIPv4Address', value: '172.17.0.9' }] }],
} as TaskRecord;

/** The other service as the shared tests see it: places (Cloud Map services, target groups) and their members. */
export interface FakeRegistry {
  /** Calls wait here while set. */
  gate?: Promise<void>;
  /** The deregistration call fails this many more times, with `failureCode`. */
  failures: number;
  failureCode: string;
  /** Register and deregister calls, each with the task's state and holdings when it was made. */
  readonly calls: { operation: string; place: string; lastStatus?: string; holdings: string[] }[];
  /** Who a place holds. */
  membersOf(place: string): string[];
  asProvider(): ServiceProvider;
}

/** What a shared test needs of a registrar, whichever it is. */
export interface BedRegistrar {
  taskChanged(ref: TaskRecord): void;
  idle(): Promise<void>;
  resume(): void;
  close(): void;
  readonly retrying: number;
}

/** Settings of one registrar the tests vary. */
export interface BedOptions {
  readonly retryDelayMs?: (attempt: number) => number;
  readonly giveUpAfterMs?: number;
  /** The other service is not enabled. */
  readonly missing?: boolean;
}

/** What differs between the two registrars. */
export interface RegistrarKind {
  readonly name: string;
  readonly register: string;
  readonly deregister: string;
  /** A deregistration error that says the member is gone already. */
  readonly goneCode: string;
  /** A deregistration error no retry can change. */
  readonly validationCode: string;
  readonly leftBehindTable: string;
  fake(bed: RegistrarBed): FakeRegistry;
  registrar(bed: RegistrarBed, leftBehind: DurableTable<unknown> | undefined, options: BedOptions): BedRegistrar;
  /** The places the task's record holds it in. */
  holdings(task: TaskRecord): string[];
}

/** One gateway process: its state store and a registrar on it. */
export interface BedProcess {
  readonly state: StateStore;
  readonly leftBehind: DurableTable<{ failingSince?: number }>;
  readonly registrar: BedRegistrar;
  /** Shuts it down as the provider does: no more retries, the store durable and closed. */
  stop(): Promise<void>;
}

export class RegistrarBed {
  /** The task's record, as the repository holds it. */
  task: TaskRecord = RUNNING;
  /** Where the task's deployment says it registers now (place names). */
  places = ['a'];
  /** The clock both registrars read (epoch ms). */
  clock = 0;
  readonly fake: FakeRegistry;
  private readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'registrar-bed-'));

  constructor(readonly kind: RegistrarKind) {
    this.fake = kind.fake(this);
  }

  /** A registrar with no stored state. */
  registrar(options: BedOptions = {}): BedRegistrar {
    return this.kind.registrar(this, undefined, options);
  }

  /** A gateway process on the bed's state directory (the same directory again: a restart). */
  open(options: BedOptions = {}): BedProcess {
    const state = openStateStore({ dir: this.dir });
    const leftBehind = state.table<{ failingSince?: number }>(this.kind.leftBehindTable);
    const registrar = this.kind.registrar(this, leftBehind as DurableTable<unknown>, options);
    const stop = async () => {
      registrar.close();
      await state.durable();
      state.close();
    };
    return { state, leftBehind, registrar, stop };
  }

  /** A change of the task, and every call it leads to. */
  async changed(registrar: BedRegistrar): Promise<void> {
    registrar.taskChanged(this.task);
    await registrar.idle();
  }

  /** The task stopped; its record, holdings included, kept. */
  stop(): void {
    this.task = { ...this.task, desiredStatus: 'STOPPED', lastStatus: 'STOPPED' };
  }

  /** Registered, then stopped with its deregistration failing `failures` times. */
  async stoppedFailing(registrar: BedRegistrar, failures: number): Promise<void> {
    await this.changed(registrar);
    this.fake.failures = failures;
    this.stop();
    await this.changed(registrar);
  }

  deregistrations(): number {
    return this.fake.calls.filter((c) => c.operation === this.kind.deregister).length;
  }

  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

const silent = winston.createLogger({ silent: true });

/** Cloud Map, recording each call; DeregisterInstance can be made to fail. */
export class GatedCloudMap extends RecordingCloudMap {
  gate?: Promise<void>;
  failures = 0;
  failureCode = 'ThrottlingException';
  readonly calls: FakeRegistry['calls'] = [];
  constructor(private readonly taskNow: () => TaskRecord) {
    super();
  }

  override async handle(operation: string, input: unknown, context: RequestContext): Promise<unknown> {
    const { ServiceId } = input as { ServiceId: string };
    const task = this.taskNow();
    const place = (serviceId: string) => serviceId.slice('srv-'.length);
    const holdings = (task.holdings?.cloudMap ?? []).map((i) => place(i.serviceId));
    // The task's state when the call was made, not when the gate let it through.
    this.calls.push({ operation, place: place(ServiceId), lastStatus: task.lastStatus, holdings });
    await this.gate;
    if (operation === 'DeregisterInstance' && this.failures > 0) {
      this.failures -= 1;
      throw Object.assign(new Error('Rate exceeded'), { code: this.failureCode });
    }
    return super.handle(operation, input, context);
  }

  /** Place `a` is Cloud Map service `srv-a`. */
  membersOf(place: string): string[] {
    return this.instancesIn(`srv-${place}`);
  }
}

/** The ELBv2 calls the target registrar makes, holding each group's targets; DeregisterTargets can be made to fail. */
export class FakeElb implements FakeRegistry {
  readonly groups = new Map<string, Set<string>>();
  gate?: Promise<void>;
  failures = 0;
  failureCode = 'ThrottlingException';
  readonly calls: FakeRegistry['calls'] = [];
  constructor(private readonly taskNow: () => TaskRecord) {}

  async handle(operation: string, input: unknown): Promise<unknown> {
    const { TargetGroupArn, Targets } = input as { TargetGroupArn: string; Targets?: { Id: string; Port: number }[] };
    const name = TargetGroupArn.split('/')[1]!;
    if (operation === 'RegisterTargets' || operation === 'DeregisterTargets') {
      const task = this.taskNow();
      const holdings = (task.holdings?.targets ?? []).map((t) => t.targetGroupArn.split('/')[1]!);
      this.calls.push({ operation, place: name, lastStatus: task.lastStatus, holdings });
    }
    await this.gate;
    const held = this.groups.get(name) ?? new Set<string>();
    this.groups.set(name, held);
    const key = Targets?.map((t) => `${t.Id}:${t.Port}`).join() ?? '';
    switch (operation) {
      case 'RegisterTargets':
        held.add(key);
        return {};
      case 'DeregisterTargets':
        if (this.failures > 0) {
          this.failures -= 1;
          throw Object.assign(new Error('Rate exceeded'), { code: this.failureCode });
        }
        if (!held.delete(key)) throw Object.assign(new Error('not registered'), { code: 'InvalidTarget' });
        return {};
      case 'DescribeTargetHealth':
        return {
          TargetHealthDescriptions: [
            {
              TargetHealth: held.has(key) ? { State: 'healthy' } : { State: 'unused', Reason: 'Target.NotRegistered' },
            },
          ],
        };
      case 'DescribeTargetGroupAttributes':
        return { Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '0' }] };
    }
    throw new Error(`not faked: ${operation}`);
  }

  membersOf(place: string): string[] {
    return [...(this.groups.get(place) ?? [])];
  }

  asProvider(): ServiceProvider {
    return this as unknown as ServiceProvider;
  }
}

export const registryArn = (id: string) => `arn:aws:servicediscovery:us-east-1:000000000000:service/${id}`;
export const targetGroupArn = (name: string) =>
  `arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/${name}/0123456789abcdef`;

/** The Cloud Map registrar: place `a` is Cloud Map service `srv-a`. */
export const CLOUD_MAP: RegistrarKind = {
  name: 'ServiceRegistrar (Cloud Map)',
  register: 'RegisterInstance',
  deregister: 'DeregisterInstance',
  goneCode: 'ServiceNotFound',
  validationCode: 'InvalidInput',
  leftBehindTable: 'ecs.cloud-map-left-behind',
  fake: (bed) => new GatedCloudMap(() => bed.task),
  registrar: (bed, leftBehind, options) =>
    new ServiceRegistrar({
      get: () => bed.task,
      put: (record) => (bed.task = record),
      serviceOf: () => ({
        serviceName: 'api',
        clusterName: 'web',
        serviceRegistries: bed.places.map((place) => ({ registryArn: registryArn(`srv-${place}`) })),
      }),
      cloudMap: async () => (options.missing ? undefined : bed.fake.asProvider()),
      logger: silent,
      leftBehind: leftBehind as DurableTable<LeftBehind> | undefined,
      now: () => bed.clock,
      ...(options as Partial<ServiceRegistrarOptions>),
    }),
  holdings: (task) => (task.holdings?.cloudMap ?? []).map((i) => i.serviceId.slice('srv-'.length)),
};

/** The target registrar: place `a` is target group `a`. */
export const TARGETS: RegistrarKind = {
  name: 'TargetRegistrar (ELBv2)',
  register: 'RegisterTargets',
  deregister: 'DeregisterTargets',
  goneCode: 'TargetGroupNotFound',
  validationCode: 'ValidationError',
  leftBehindTable: 'ecs.targets-left-behind',
  fake: (bed) => new FakeElb(() => bed.task),
  registrar: (bed, leftBehind, options) =>
    new TargetRegistrar({
      get: () => bed.task,
      put: (record) => (bed.task = record),
      serviceOf: () => ({
        serviceName: 'api',
        loadBalancers: bed.places.map((place) => ({
          targetGroupArn: targetGroupArn(place),
          containerName: 'web',
          containerPort: 8080,
        })),
      }),
      elb: async () => (options.missing ? undefined : bed.fake.asProvider()),
      event: () => undefined,
      logger: silent,
      onHealthChanged: () => undefined,
      healthPollMs: 3_600_000,
      leftBehind: leftBehind as DurableTable<TargetsLeftBehind> | undefined,
      now: () => bed.clock,
      ...(options as Partial<TargetRegistrarOptions>),
    }),
  holdings: (task) => (task.holdings?.targets ?? []).map((t) => t.targetGroupArn.split('/')[1]!),
};
