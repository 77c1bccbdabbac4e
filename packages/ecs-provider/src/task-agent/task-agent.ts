import { randomBytes, randomUUID } from 'node:crypto';
import type { TaskDefinition } from '@aws-sdk/client-ecs';
import type { ContainerBackend, LogLine, LogPosition } from '@localcloud/docker-backend';
import type { LogsSink } from '@localcloud/logs-provider';
import type { Logger } from 'winston';
import { effectiveNetworkMode } from '../runtime/container-plan';
import type { TaskHooks } from '../runtime/task-hooks';
import { taskIdOf, type TaskRecord, type TaskRef } from '../runtime/task-record';
import { TaskStartError } from '../runtime/task-runtime';
import { AwsLogsShipper, type AwsLogsTarget } from './awslogs-shipper';
import { ContainerOutputFollower, type LineConsumer } from './container-output';
import type { LogPositions } from './log-positions';
import { consoleLabel, type TaskConsole } from './console-output';
import type { CredentialsRoute } from './credentials-route';
import type { TaskAgentState } from './task-agent-state';

export interface TaskAgentOptions {
  readonly backend: ContainerBackend;
  readonly logger: Logger;
  readonly get: (ref: TaskRef) => TaskRecord | undefined;
  readonly mutate: (ref: TaskRef, change: (record: TaskRecord) => void) => void;
  /**
   * The CloudWatch Logs provider's in-process API, when that service is enabled; looking it up loads that
   * provider on first use, so it is asked before a task's containers are created or re-adopted.
   */
  readonly logsSink: () => Promise<LogsSink | undefined>;
  /**
   * The task endpoint listener: its port, and the address to route 169.254.170.2 to: `host` when it
   * listens on one address, else where it listens on the container's network, else that network's gateway.
   */
  readonly endpoint: () =>
    | { port: number; host?: string; advertisedHost?: string; addressOn?: (network: string) => string | undefined }
    | undefined;
  /** Makes the listener reachable from a Docker network a task is about to join. */
  readonly reach?: (network: string) => Promise<void>;
  /** The DNS servers for a task's containers on a network (the local DNS), if any. */
  readonly dnsServers?: (network: string, ref: TaskRef) => Promise<readonly string[] | undefined>;
  /** Routes 169.254.170.2 in task network namespaces; absent when disabled. */
  readonly credentialsRoute?: CredentialsRoute;
  /** How far each container's awslogs output was delivered, kept across restarts and crashes. */
  readonly logPositions: LogPositions;
  /** Where every task container's output is also printed (`ECS_TASK_OUTPUT=console`), when it is. */
  readonly taskConsole?: { readonly console: TaskConsole; readonly containerPrefix: string };
  readonly flushIntervalMs?: number;
  /** Longest a stopping task waits for its containers' output to end. */
  readonly drainTimeoutMs?: number;
}

/**
 * What the ECS agent does for a task besides running its containers: the awslogs log driver, and the
 * environment and state behind the metadata (v4) and credentials endpoints that `TaskEndpointServer` serves.
 */
export class TaskAgent implements TaskHooks {
  private readonly pending = new Map<string, TaskAgentState>();
  /** Per task ARN, the containers whose output is followed. */
  private readonly followers = new Map<string, { containerName: string; follower: ContainerOutputFollower }[]>();
  /** Per task ARN, container output attached before the start and not yet followed. */
  private readonly attached = new Map<string, Map<string, Attached>>();

  /** The Logs provider as last looked up (`loadLogsSink`), for following output, which cannot wait. */
  private sink?: LogsSink;

  constructor(private readonly options: TaskAgentOptions) {}

  /** Looks the Logs provider up (loading it if it is not yet); before re-adopting tasks that ship to it. */
  async loadLogsSink(): Promise<LogsSink | undefined> {
    this.sink = await this.options.logsSink();
    return this.sink;
  }

  prepare(ref: TaskRef, definition: TaskDefinition): Record<string, Record<string, string>> {
    const record = this.options.get(ref);
    const networkMode = effectiveNetworkMode(definition, record?.launchType ?? 'FARGATE');
    const taskRoleArn = record?.overrides?.taskRoleArn ?? definition.taskRoleArn;
    const endpoint = this.options.endpoint();
    const state: TaskAgentState = {
      networkMode,
      metadataTokens: Object.fromEntries(
        (definition.containerDefinitions ?? []).map((c) => [c.name!, randomBytes(16).toString('hex')]),
      ),
      credentialsId: taskRoleArn ? randomUUID() : undefined,
      taskRoleArn,
      logConfigurations: Object.fromEntries(
        (definition.containerDefinitions ?? [])
          .filter((c) => c.logConfiguration?.logDriver)
          .map((c) => [
            c.name!,
            { driver: c.logConfiguration!.logDriver!, options: { ...c.logConfiguration!.options } },
          ]),
      ),
      pseudoTerminals: (definition.containerDefinitions ?? []).filter((c) => c.pseudoTerminal).map((c) => c.name!),
    };
    this.pending.set(ref.taskArn, state);
    const host = networkMode === 'host' ? '127.0.0.1' : (endpoint?.advertisedHost ?? 'host.docker.internal');
    const environment: Record<string, Record<string, string>> = {};
    for (const [name, token] of Object.entries(state.metadataTokens)) {
      const env: Record<string, string> = {};
      if (endpoint && networkMode !== 'none') {
        const uri = `http://${host}:${endpoint.port}/v4/${token}`;
        env.ECS_CONTAINER_METADATA_URI_V4 = uri;
        env.ECS_CONTAINER_METADATA_URI = uri;
        // The agent API (task scale-in protection), keyed by the same per-container token.
        env.ECS_AGENT_URI = `http://${host}:${endpoint.port}/api/${token}`;
      }
      if (state.credentialsId) env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI = `/v2/credentials/${state.credentialsId}`;
      environment[name] = env;
    }
    return environment;
  }

  async beforeCreate(ref: TaskRef, definition: TaskDefinition): Promise<void> {
    const state = this.pending.get(ref.taskArn);
    this.pending.delete(ref.taskArn);
    if (state)
      this.options.mutate(ref, (r) => {
        if (r.runtime) r.runtime.agent = state;
      });
    for (const container of definition.containerDefinitions ?? []) {
      const log = container.logConfiguration;
      if (log?.logDriver !== 'awslogs') continue;
      const fail = (detail: string) =>
        new TaskStartError(`ResourceInitializationError: failed to validate logger args: ${detail}`, container.name);
      const sink = await this.loadLogsSink();
      if (!sink) {
        throw fail(
          `container ${container.name} uses the awslogs log driver, but CloudWatch Logs is not enabled in localcloud (add "logs" to SERVICES)`,
        );
      }
      const options = log.options ?? {};
      const group = options['awslogs-group'];
      if (!group) throw fail('must specify valid value for log opt awslogs-group');
      try {
        sink.ensureGroup(scopeOf(ref, options), group, { create: options['awslogs-create-group'] === 'true' });
      } catch (error) {
        const name = (error as { name?: string }).name ?? 'Error';
        const text = error instanceof Error ? error.message : String(error);
        if (name === 'ResourceNotFoundException') {
          // ECS's wording when the group is missing and awslogs-create-group is not set.
          throw fail(
            `create stream has been retried 1 times: failed to create Cloudwatch log stream: ResourceNotFoundException: ${text} : exit status 1`,
          );
        }
        throw fail(`${name}: ${text}`);
      }
    }
  }

  async networkReady(ref: TaskRef, network: string): Promise<readonly string[] | void> {
    await this.options.reach?.(network);
    return this.options.dnsServers?.(network, ref);
  }

  /**
   * Attaches to the output of a container about to start, when anything reads it (awslogs, the console)
   * and it has no TTY: the attach stream is then its live source (see ContainerOutputFollower).
   */
  async beforeStart(ref: TaskRef, runtimeId: string, containerName: string): Promise<void> {
    const backend = this.options.backend;
    const record = this.options.get(ref);
    const state = record?.runtime?.agent;
    if (!backend.attachOutput || !record || !state || state.pseudoTerminals?.includes(containerName)) return;
    const awslogs = state.logConfigurations[containerName]?.driver === 'awslogs' && this.options.logsSink();
    if (!awslogs && !this.options.taskConsole) return;
    this.dropAttached(ref.taskArn, containerName);
    const controller = new AbortController();
    try {
      const batches = await backend.attachOutput(runtimeId, { signal: controller.signal });
      if (!batches) return;
      let containers = this.attached.get(ref.taskArn);
      if (!containers) this.attached.set(ref.taskArn, (containers = new Map()));
      containers.set(containerName, { runtimeId, batches, abort: () => controller.abort() });
    } catch (error) {
      // The log follow after the start reads everything from the start instead.
      this.options.logger.debug('cannot attach to container output; following its log instead', {
        container: runtimeId,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  async started(ref: TaskRef, runtimeId: string, containerName?: string): Promise<void> {
    const record = this.options.get(ref);
    const state = record?.runtime?.agent;
    if (!record || !state) return;
    if (containerName) this.follow(ref, record, state, runtimeId, containerName, false);
    // 169.254.170.2 is routed in each network namespace: the holder's when the containers share it.
    const ownNamespace = containerName === undefined || !record.runtime?.networkHolder;
    if (state.credentialsId && ownNamespace && !['host', 'none'].includes(state.networkMode)) {
      await this.routeCredentials(ref, runtimeId);
    }
  }

  resumed(ref: TaskRef, runtimeId: string, containerName: string): void {
    const record = this.options.get(ref);
    const state = record?.runtime?.agent;
    if (!record || !state) return;
    this.follow(ref, record, state, runtimeId, containerName, true);
  }

  async beforeStopped(ref: TaskRef): Promise<void> {
    // Attached to a container that never started (or was created again): nothing reads it.
    for (const name of [...(this.attached.get(ref.taskArn)?.keys() ?? [])]) this.dropAttached(ref.taskArn, name);
    const followers = (this.followers.get(ref.taskArn) ?? []).map((s) => s.follower);
    this.followers.delete(ref.taskArn);
    await this.drain(ref, followers);
    this.options.logPositions.forget(ref.taskArn);
  }

  /** Waits until the stopped containers' output is all handed on. */
  private async drain(ref: TaskRef, followers: ContainerOutputFollower[]): Promise<void> {
    if (followers.length === 0) return;
    // The containers have stopped, so their output ends; bound the wait anyway (a wedged engine stream).
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      Promise.all(followers.map((s) => s.done)).then(() => false),
      new Promise<boolean>(
        (resolve) => (timer = setTimeout(() => resolve(true), this.options.drainTimeoutMs ?? 60_000)),
      ),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      this.options.logger.warn('container output did not end; delivering what was read', {
        taskArn: ref.taskArn,
      });
      followers.forEach((s) => s.cancel());
      await Promise.all(followers.map((s) => s.done));
    }
  }

  /**
   * Stops following container output (provider shutdown), after delivering what was read, and records
   * how far each container's log was delivered so a restarted gateway resumes there.
   */
  async close(): Promise<void> {
    for (const [taskArn, containers] of [...this.attached])
      for (const name of [...containers.keys()]) this.dropAttached(taskArn, name);
    const all = [...this.followers.values()].flat().map((s) => s.follower);
    this.followers.clear();
    all.forEach((s) => s.cancel());
    await Promise.all(all.map((s) => s.done));
    await this.options.logPositions.flush();
  }

  /**
   * Follows a container's output for its consumers. `resuming`: a container re-adopted after a
   * restart, whose awslogs delivery continues after the recorded position (without one, e.g. killed in
   * its first second, from the start).
   */
  private follow(
    ref: TaskRef,
    record: TaskRecord,
    state: TaskAgentState,
    runtimeId: string,
    containerName: string,
    resuming: boolean,
  ): void {
    // One follower per container, however often the container is reported started or adopted.
    if (this.followers.get(ref.taskArn)?.some((s) => s.containerName === containerName)) return;
    const positions = this.options.logPositions;
    const after = resuming ? positions.get(ref.taskArn, containerName) : undefined;
    const shipper = this.awslogsShipper(ref, record, state, runtimeId, containerName, after);
    const consumers: LineConsumer[] = shipper ? [shipper] : [];
    const printer = this.consolePrinter(record, containerName);
    if (printer) consumers.push(printer);
    if (consumers.length === 0) return;
    // A re-adopted container without awslogs: the console shows its output from now on, not again.
    const since = resuming && !shipper ? new Date() : undefined;
    const tty = state.pseudoTerminals?.includes(containerName);
    // Attached before this very start: its live source. An attach to an earlier container of the same
    // name (an awsvpc container created again for its ports) is closed, and the log read from the start.
    const attached = this.attached.get(ref.taskArn)?.get(containerName);
    this.dropAttached(ref.taskArn, containerName, attached?.runtimeId === runtimeId && !resuming);
    const live = attached?.runtimeId === runtimeId && !resuming ? attached : undefined;
    const follower = new ContainerOutputFollower(this.options.backend, runtimeId, consumers, this.options.logger, {
      after,
      since,
      tty,
      attached: live,
    });
    this.followers.set(ref.taskArn, [...(this.followers.get(ref.taskArn) ?? []), { containerName, follower }]);
  }

  /** Forgets an attach not (or no longer) wanted; closes it unless `keep` (a follower now owns it). */
  private dropAttached(taskArn: string, containerName: string, keep = false): void {
    const containers = this.attached.get(taskArn);
    const attached = containers?.get(containerName);
    if (!containers || !attached) return;
    containers.delete(containerName);
    if (containers.size === 0) this.attached.delete(taskArn);
    if (!keep) attached.abort();
  }

  private consolePrinter(record: TaskRecord, containerName: string): LineConsumer | undefined {
    const target = this.options.taskConsole;
    const dockerName = record.runtime?.containers.find((c) => c.name === containerName)?.dockerName;
    if (!target || !dockerName) return undefined;
    return target.console.consumer(consoleLabel(dockerName, target.containerPrefix, taskIdOf(record.taskArn)));
  }

  private awslogsShipper(
    ref: TaskRef,
    record: TaskRecord,
    state: TaskAgentState,
    runtimeId: string,
    containerName: string,
    after: LogPosition | undefined,
  ): AwsLogsShipper | undefined {
    const log = state.logConfigurations[containerName];
    const sink = this.sink;
    if (log?.driver !== 'awslogs' || !sink) return undefined;
    const prefix = log.options['awslogs-stream-prefix'];
    const target: AwsLogsTarget = {
      scope: scopeOf(ref, log.options),
      group: log.options['awslogs-group']!,
      // ECS names the stream <prefix>/<container>/<task id>; without a prefix, Docker's driver uses the container id.
      stream: prefix ? `${prefix}/${containerName}/${taskIdOf(record.taskArn)}` : runtimeId,
    };
    try {
      sink.ensureStream(target.scope, target.group, target.stream);
    } catch (error) {
      this.options.logger.warn('awslogs: cannot create the log stream', { ...target, error: String(error) });
      return undefined;
    }
    return new AwsLogsShipper(sink, target, this.options.logger, {
      flushIntervalMs: this.options.flushIntervalMs,
      deliveredUpTo: after,
      onDelivered: (position) => this.options.logPositions.update(ref.taskArn, containerName, position),
    });
  }

  private async routeCredentials(ref: TaskRef, runtimeId: string): Promise<void> {
    const route = this.options.credentialsRoute;
    const endpoint = this.options.endpoint();
    if (!route || !endpoint) return;
    try {
      const info = await this.options.backend.inspectContainer(runtimeId);
      const network = info.networks.find((n) => n.gateway);
      const host = endpoint.host ?? (network && (endpoint.addressOn?.(network.name) ?? network.gateway));
      if (!info.state.pid || !host) throw new Error('the container has no process or network gateway');
      await route.install(info.state.pid, { host, port: endpoint.port });
    } catch (error) {
      this.options.logger.warn('cannot route 169.254.170.2 for a task container; task role credentials unavailable', {
        taskArn: ref.taskArn,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
}

interface Attached {
  readonly runtimeId: string;
  readonly batches: AsyncIterable<readonly LogLine[]>;
  readonly abort: () => void;
}

function scopeOf(ref: TaskRef, options: Readonly<Record<string, string>>) {
  return { accountId: ref.accountId, region: options['awslogs-region'] || ref.region };
}
