import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type {
  ContainerBackend,
  ContainerEvent,
  ContainerEventAction,
  ContainerInfo,
  ContainerSpec,
  ContainerStatus,
  ContainerSummary,
  EngineInfo,
  EngineVersion,
  EventFilter,
  EventHandlers,
  EventSubscription,
  ExecOptions,
  ExecProcess,
  HealthStatus,
  ImageInfo,
  ListContainersOptions,
  AttachOptions,
  LineCountMark,
  LogLine,
  LogOptions,
  NetworkAttachment,
  NetworkInfo,
  PortMapping,
  RemoveContainerOptions,
  VolumeSpec,
} from './container-backend';
import { isLineCountMark } from './container-backend';
import {
  ContainerBackendError,
  ContainerNotFoundError,
  ContainerNotRunningError,
  ImageNotFoundError,
  NameConflictError,
  NetworkNotFoundError,
  PortInUseError,
} from './errors';
import { parseEnv } from './map-inspect';
import { PAUSE_IMAGE } from './pause-image/pause-image';

/**
 * How a container started by the in-memory backend behaves, decided when it starts. Anything else a
 * container does (exit, turn healthy) the test does through the backend's controls, when it chooses.
 */
export interface ContainerScript {
  /** Ignore the stop signal, as a shell as PID 1 does, so `stopContainer` kills it after the timeout (exit 137). */
  readonly ignoreStopSignal?: boolean;
}

export interface InMemoryBackendOptions {
  /** Images present "locally". Pulls of any other image fail like a registry that does not know it. */
  readonly images?: readonly string[];
  readonly script?: (spec: ContainerSpec) => ContainerScript | undefined;
  /** What `engineInfo` reports; a 2-CPU, 4 GiB Linux host by default. */
  readonly engine?: Partial<EngineInfo>;
  /**
   * Offer `attachOutput` (off by default: callers then follow the log, as with an engine that cannot be
   * attached to). Its streams end when the container exits, or when a test cuts them (`cutAttach`).
   */
  readonly attach?: boolean;
}

interface FakeContainer {
  readonly id: string;
  readonly name: string;
  readonly spec: ContainerSpec;
  readonly image: ImageInfo;
  readonly created: Date;
  status: ContainerStatus;
  exitCode: number;
  oomKilled: boolean;
  startedAt?: Date;
  finishedAt?: Date;
  health?: HealthStatus;
  ports: PortMapping[];
  ipAddress: string;
  readonly networks: Map<string, string[]>;
  script?: ContainerScript;
  /** What `writeLog` wrote, in order: the container's output as the engine keeps it. */
  readonly logs: LogLine[];
  /** Woken on exit and on output. */
  readonly watchers: Set<() => void>;
  /** Open attach streams: `cut` ends one as if the engine's copy of it ended. */
  readonly attaches: Set<{ cut: boolean }>;
}

const FIRST_DYNAMIC_PORT = 32768;

/**
 * ContainerBackend in memory, for fast unit tests of the ECS runtime and service scheduler
 * (`packages/ecs-provider/src/testing/in-memory-ecs.ts`). Containers "run" until stopped, killed or told
 * to exit, and write what a test gives `writeLog`; events, errors and inspect results follow the Docker engine's.
 */
export class InMemoryBackend implements ContainerBackend {
  private readonly images = new Map<string, ImageInfo>();
  private readonly containers = new Map<string, FakeContainer>();
  private readonly networks = new Map<string, string>([
    ['bridge', newId()],
    ['host', newId()],
    ['none', newId()],
  ]);
  private readonly volumes = new Set<string>();
  private readonly subscribers = new Set<{ filter: EventFilter; handlers: EventHandlers; closed: boolean }>();
  private nextPort = FIRST_DYNAMIC_PORT;
  private nextAddress = 2;

  constructor(private readonly options: InMemoryBackendOptions = {}) {
    for (const ref of options.images ?? []) this.addImage(ref);
  }

  // --- test controls ---

  /** The container's main process ends by itself; an OOM kill is reported first, as the engine does. */
  exit(id: string, exitCode: number, options: { oomKilled?: boolean } = {}): void {
    const container = this.get(id);
    if (container.status !== 'running') return;
    if (options.oomKilled) this.emit(container, 'oom');
    this.finish(container, exitCode, options.oomKilled ?? false);
  }

  setHealth(id: string, status: HealthStatus): void {
    const container = this.get(id);
    if (!container.spec.healthCheck || container.health === status) return;
    container.health = status;
    this.emit(container, 'health_status', { healthStatus: status });
  }

  /**
   * Ends the container's open attach streams cleanly though it keeps running, as when the engine's copy of
   * the stream ends (a restarted stream, a socket hiccup): what the container writes next is only in its log.
   */
  cutAttach(id: string): void {
    const container = this.get(id);
    for (const attach of container.attaches) attach.cut = true;
    wakeAll(container);
  }

  writeLog(id: string, stream: LogLine['stream'], line: string): void {
    const container = this.get(id);
    // The mark is the line's place in the log: what `after` compares, like the engine's timestamps.
    const mark = { timestamp: String(container.logs.length).padStart(12, '0'), count: 1 };
    container.logs.push({ stream, line, timestamp: new Date(), mark });
    wakeAll(container);
  }

  // --- engine ---

  async ping(): Promise<void> {}

  async version(): Promise<EngineVersion> {
    return { version: 'in-memory', apiVersion: '1.41', os: 'linux', arch: 'amd64' };
  }

  async engineInfo(): Promise<EngineInfo> {
    return {
      cpus: 2,
      memoryBytes: 4 * 1024 ** 3,
      serverVersion: 'in-memory',
      os: 'linux',
      operatingSystem: 'in-memory',
      kernelVersion: 'in-memory',
      architecture: 'x86_64',
      ...this.options.engine,
    };
  }

  // --- images ---

  async imageExists(ref: string): Promise<boolean> {
    return this.images.has(normalizeRef(ref));
  }

  async inspectImage(ref: string): Promise<ImageInfo> {
    const image = this.images.get(normalizeRef(ref));
    if (!image) throw new ImageNotFoundError(ref, `No such image: ${ref}`, 404);
    return image;
  }

  /** There is no registry: every pull fails as the engine's does for an image the registry does not know. */
  async pullImage(ref: string): Promise<void> {
    const repository = normalizeRef(ref).replace(/:[^:/]+$/, '');
    throw new ImageNotFoundError(
      ref,
      `pull access denied for ${repository}, repository does not exist or may require 'docker login'`,
      404,
    );
  }

  async ensureImage(ref: string): Promise<ImageInfo> {
    if (!(await this.imageExists(ref))) await this.pullImage(ref);
    return this.inspectImage(ref);
  }

  /** Made on first use, as the engine backend builds it; the containers of this backend run no program. */
  async ensurePauseImage(ref: string = PAUSE_IMAGE): Promise<ImageInfo> {
    return this.images.get(normalizeRef(ref)) ?? this.addImage(ref);
  }

  // --- containers ---

  async createContainer(spec: ContainerSpec): Promise<string> {
    const image = this.images.get(normalizeRef(spec.image));
    if (!image) throw new ImageNotFoundError(spec.image, `No such image: ${spec.image}`, 404);
    const id = newId();
    const name = spec.name ?? `in-memory-${id.slice(0, 12)}`;
    const taken = [...this.containers.values()].find((container) => container.name === name);
    if (taken) {
      throw new NameConflictError(
        `Conflict. The container name "/${name}" is already in use by container "${taken.id}".`,
        409,
      );
    }
    const mode = spec.networkMode ?? 'bridge';
    const container: FakeContainer = {
      id,
      name,
      spec,
      image,
      created: new Date(),
      status: 'created',
      exitCode: 0,
      oomKilled: false,
      ports: [],
      ipAddress: '',
      networks: new Map(mode.startsWith('container:') ? [] : [[mode, [...(spec.networkAliases ?? [])]]]),
      logs: [],
      watchers: new Set(),
      attaches: new Set(),
    };
    this.containers.set(id, container);
    this.emit(container, 'create');
    return id;
  }

  async startContainer(id: string): Promise<void> {
    const container = this.get(id);
    if (container.status === 'running') return;
    // As with the engine, the network (or the container whose namespace is shared) must exist at start.
    const mode = container.spec.networkMode ?? 'bridge';
    if (mode.startsWith('container:')) {
      const owner = this.get(mode.slice('container:'.length));
      if (owner.status !== 'running') {
        throw new ContainerBackendError(`cannot join network of a non running container: ${owner.id}`, 409);
      }
    } else if (!this.networks.has(mode)) throw new NetworkNotFoundError(`network ${mode} not found`, 404);
    // As with the engine, a host port another running container publishes refuses the start.
    for (const port of container.spec.ports ?? []) {
      const protocol = port.protocol ?? 'tcp';
      const taken = [...this.containers.values()].some(
        (other) =>
          other.status === 'running' &&
          other.ports.some((p) => p.hostPort === port.hostPort && p.protocol === protocol),
      );
      if (port.hostPort && taken) {
        throw new PortInUseError(
          `driver failed programming external connectivity on endpoint ${container.name}: Bind for 0.0.0.0:${port.hostPort} failed: port is already allocated`,
          port.hostPort,
          500,
        );
      }
    }
    const script = this.options.script?.(container.spec);
    container.script = script;
    container.status = 'running';
    container.startedAt = new Date();
    container.finishedAt = undefined;
    container.exitCode = 0;
    container.ipAddress = `172.17.0.${this.nextAddress++}`;
    container.ports = (container.spec.ports ?? []).map((port) => ({
      containerPort: port.containerPort,
      protocol: port.protocol ?? 'tcp',
      hostIp: port.hostIp ?? '0.0.0.0',
      hostPort: port.hostPort ?? this.nextPort++,
    }));
    this.emit(container, 'start');
    if (container.spec.healthCheck) container.health = 'starting';
  }

  async stopContainer(id: string, timeoutSeconds?: number): Promise<void> {
    const container = this.get(id);
    if (container.status !== 'running') return;
    this.emit(container, 'kill', { signal: signalNumber(container.spec.stopSignal ?? 'SIGTERM') });
    if (container.script?.ignoreStopSignal) {
      const seconds = timeoutSeconds ?? container.spec.stopTimeout ?? 10;
      await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
      if (container.status !== 'running') return;
      this.emit(container, 'kill', { signal: '9' });
      this.finish(container, 137, false);
    } else {
      this.finish(container, 143, false);
    }
    this.emit(container, 'stop');
  }

  async killContainer(id: string, signal = 'SIGKILL'): Promise<void> {
    const container = this.get(id);
    if (container.status !== 'running') {
      throw new ContainerNotRunningError(`Container ${id} is not running`, 409);
    }
    const number = signalNumber(signal);
    this.emit(container, 'kill', { signal: number });
    this.finish(container, 128 + Number(number), false);
  }

  async waitContainer(id: string, options: { readonly signal?: AbortSignal } = {}): Promise<number> {
    const container = this.get(id);
    while (container.status === 'running') {
      options.signal?.throwIfAborted();
      await this.changed(container, options.signal);
    }
    return container.exitCode;
  }

  async inspectContainer(id: string): Promise<ContainerInfo> {
    const container = this.get(id);
    const { spec } = container;
    const running = container.status === 'running';
    const env = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', ...toEnvRecord(spec.env) };
    return {
      id: container.id,
      name: container.name,
      image: spec.image,
      imageId: container.image.id,
      labels: { ...spec.labels },
      created: container.created,
      command: [...(spec.command ?? [])],
      entrypoint: [...(spec.entrypoint ?? [])],
      env,
      workingDir: spec.workingDir ?? '',
      user: spec.user ?? '',
      hostname: spec.hostname ?? container.id.slice(0, 12),
      networkMode: spec.networkMode ?? 'default',
      state: {
        status: container.status,
        running,
        exitCode: container.exitCode,
        error: '',
        oomKilled: container.oomKilled,
        pid: running ? 1000 : undefined,
        startedAt: container.startedAt,
        finishedAt: container.finishedAt,
        health: container.health
          ? { status: container.health, failingStreak: container.health === 'unhealthy' ? 3 : 0 }
          : undefined,
      },
      ports: running ? container.ports.map((port) => ({ ...port })) : [],
      networks: [...container.networks].map(([name, aliases]): NetworkAttachment => ({
        name,
        networkId: this.networks.get(name) ?? '',
        ipAddress: running && name !== 'host' && name !== 'none' ? container.ipAddress : '',
        gateway: '',
        macAddress: '',
        aliases: [...aliases],
      })),
    };
  }

  async removeContainer(id: string, options: RemoveContainerOptions = {}): Promise<void> {
    const container = this.containers.get(id) ?? this.findByName(id);
    if (!container) {
      if (options.force) return;
      throw new ContainerNotFoundError(`No such container: ${id}`, 404);
    }
    if (container.status === 'running') {
      if (!options.force) {
        throw new ContainerBackendError(
          `You cannot remove a running container ${container.id}. Stop the container before attempting removal or force remove`,
          409,
        );
      }
      this.emit(container, 'kill', { signal: '9' });
      this.finish(container, 137, false);
    }
    this.containers.delete(container.id);
    this.emit(container, 'destroy');
  }

  async listContainers(options: ListContainersOptions = {}): Promise<ContainerSummary[]> {
    return [...this.containers.values()]
      .filter((container) => options.all || container.status === 'running')
      .filter((container) => matchesLabels(container.spec.labels ?? {}, options.labels))
      .map((container) => ({
        id: container.id,
        name: container.name,
        image: container.spec.image,
        imageId: container.image.id,
        labels: { ...container.spec.labels },
        status: container.status,
        created: container.created,
      }));
  }

  async *containerLogBatches(id: string, options: LogOptions = {}): AsyncGenerator<LogLine[], void, undefined> {
    for await (const line of this.containerLogs(id, options)) yield [line];
  }

  /**
   * With `attach`: the output written from now on, a batch per wake-up, each line marked with its count on
   * its stream (as the engine's attach stream is read); ends when the container exits, or is cut.
   */
  async attachOutput(id: string, options: AttachOptions = {}): Promise<AsyncIterable<LogLine[]> | undefined> {
    if (!this.options.attach) return undefined;
    const container = this.get(id);
    const attach = { cut: false };
    container.attaches.add(attach);
    const counted = { stdout: 0, stderr: 0 };
    for (const line of container.logs) counted[line.stream]++;
    let next = container.logs.length;
    const changed = (signal?: AbortSignal) => this.changed(container, signal);
    return (async function* () {
      try {
        for (;;) {
          options.signal?.throwIfAborted();
          if (attach.cut) return;
          const read = new Date();
          const batch = container.logs.slice(next).map((line): LogLine => {
            const mark: LineCountMark = { lines: ++counted[line.stream], at: read.getTime() };
            return { stream: line.stream, line: line.line, timestamp: read, mark };
          });
          next += batch.length;
          if (batch.length > 0) yield batch;
          else if (container.status === 'exited') return;
          else await changed(options.signal);
        }
      } finally {
        container.attaches.delete(attach);
      }
    })();
  }

  async *containerLogs(id: string, options: LogOptions = {}): AsyncGenerator<LogLine, void, undefined> {
    const container = this.get(id);
    const since = options.since?.getTime() ?? 0;
    // As with the engine, following only lasts while the container runs.
    const follow = options.follow === true && container.status === 'running';
    let next = 0;
    // A position in line counts (taken from an attach stream): skip that many lines, and count on.
    const counted = { stdout: 0, stderr: 0 };
    for (;;) {
      options.signal?.throwIfAborted();
      while (next < container.logs.length) {
        const line = container.logs[next++]!;
        const after = options.after?.[line.stream];
        if (isLineCountMark(after)) {
          const lines = ++counted[line.stream];
          if (lines > after.lines) yield { ...line, mark: { lines, at: line.timestamp.getTime() } };
          continue;
        }
        const upTo = after?.timestamp;
        const mark = line.mark && !isLineCountMark(line.mark) ? line.mark : undefined;
        if (line.timestamp.getTime() >= since && !(upTo && mark && mark.timestamp <= upTo)) yield line;
      }
      if (!follow || container.status !== 'running') return;
      await this.changed(container, options.signal);
    }
  }
  /**
   * A stand-in process that echoes its stdin, as `cat` on a terminal would, and exits 0 when closed or
   * when its container stops being run.
   */
  async execContainer(id: string, options: ExecOptions): Promise<ExecProcess> {
    const container = this.get(id);
    if (container.status !== 'running') throw new ContainerNotRunningError(`Container ${id} is not running.`);
    const output = new PassThrough();
    let size = options.size;
    const exited = new Promise<number>((resolve) => output.once('end', () => resolve(0)));
    return {
      id: newId(),
      output,
      write: (data) => {
        if (!output.writableEnded) output.write(data);
      },
      resize: async (next) => {
        size = next;
        output.write(`[size ${size.cols}x${size.rows}]`);
      },
      exitCode: () => exited,
      close: async () => {
        if (!output.writableEnded) output.end();
        output.resume();
      },
    };
  }

  async stats(id: string): Promise<Record<string, unknown>> {
    const container = this.get(id);
    return {
      id: container.id,
      name: `/${container.name}`,
      read: new Date().toISOString(),
      cpu_stats: { cpu_usage: { total_usage: 0 }, system_cpu_usage: 0, online_cpus: 1 },
      precpu_stats: { cpu_usage: { total_usage: 0 } },
      memory_stats: { usage: 0, limit: container.spec.memory ?? 0 },
    };
  }

  // --- events ---

  async events(filter: EventFilter, handlers: EventHandlers): Promise<EventSubscription> {
    const subscriber = { filter, handlers, closed: false };
    this.subscribers.add(subscriber);
    return {
      close: () => {
        subscriber.closed = true;
        this.subscribers.delete(subscriber);
      },
      get closed() {
        return subscriber.closed;
      },
    };
  }

  // --- networks ---

  async ensureNetwork(name: string): Promise<string> {
    let id = this.networks.get(name);
    if (!id) {
      id = newId();
      this.networks.set(name, id);
    }
    return id;
  }

  async networkExists(name: string): Promise<boolean> {
    return this.networks.has(name);
  }

  /** In memory, networks have no address ranges: nothing on them is a local address. */
  async inspectNetwork(name: string): Promise<NetworkInfo | undefined> {
    const id = this.networks.get(name);
    return id === undefined ? undefined : { id, name, subnets: [] };
  }

  async removeNetwork(name: string): Promise<void> {
    this.networks.delete(name);
  }

  async connectContainer(network: string, id: string, aliases: readonly string[] = []): Promise<void> {
    const container = this.get(id);
    if (!this.networks.has(network)) throw new NetworkNotFoundError(`network ${network} not found`, 404);
    container.networks.set(network, [...aliases]);
  }

  // --- volumes ---

  async createVolume(spec: VolumeSpec): Promise<void> {
    this.volumes.add(spec.name);
  }

  async volumeExists(name: string): Promise<boolean> {
    return this.volumes.has(name);
  }

  async removeVolume(name: string): Promise<void> {
    this.volumes.delete(name);
  }

  async close(): Promise<void> {
    for (const container of this.containers.values()) wakeAll(container);
    for (const subscriber of this.subscribers) subscriber.closed = true;
    this.subscribers.clear();
  }

  // --- internals ---

  private addImage(ref: string): ImageInfo {
    const image: ImageInfo = {
      id: `sha256:${newId()}`,
      repoTags: [normalizeRef(ref)],
      repoDigests: [],
      created: new Date(),
      os: 'linux',
      architecture: 'amd64',
      sizeBytes: 0,
    };
    this.images.set(normalizeRef(ref), image);
    return image;
  }

  private get(idOrName: string): FakeContainer {
    const container = this.containers.get(idOrName) ?? this.findByName(idOrName);
    if (!container) throw new ContainerNotFoundError(`No such container: ${idOrName}`, 404);
    return container;
  }

  private findByName(idOrName: string): FakeContainer | undefined {
    return [...this.containers.values()].find(
      (container) => container.name === idOrName || (idOrName.length >= 12 && container.id.startsWith(idOrName)),
    );
  }

  private finish(container: FakeContainer, exitCode: number, oomKilled: boolean): void {
    container.status = 'exited';
    container.exitCode = exitCode;
    container.oomKilled = oomKilled;
    container.finishedAt = new Date();
    container.health = container.health ? 'unhealthy' : undefined;
    this.emit(container, 'die', { exitCode });
    wakeAll(container);
  }

  /** Resolves when the container exits. */
  private changed(container: FakeContainer, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = () => {
        container.watchers.delete(done);
        signal?.removeEventListener('abort', done);
        if (signal?.aborted) reject(signal.reason);
        else resolve();
      };
      container.watchers.add(done);
      signal?.addEventListener('abort', done);
    });
  }

  private emit(
    container: FakeContainer,
    action: ContainerEventAction,
    extra: Pick<ContainerEvent, 'exitCode' | 'healthStatus' | 'signal'> = {},
  ): void {
    const labels = { ...container.spec.labels };
    const event: ContainerEvent = {
      id: container.id,
      action,
      name: container.name,
      image: container.spec.image,
      labels,
      time: new Date(),
      ...extra,
    };
    for (const subscriber of this.subscribers) {
      if (!matchesLabels(labels, subscriber.filter.labels)) continue;
      // Delivered asynchronously, as from the engine's stream.
      queueMicrotask(() => {
        if (!subscriber.closed) subscriber.handlers.onEvent(event);
      });
    }
  }
}

function wakeAll(container: FakeContainer): void {
  for (const watcher of [...container.watchers]) watcher();
}

function matchesLabels(
  labels: Readonly<Record<string, string>>,
  wanted?: Readonly<Record<string, string | true>>,
): boolean {
  return Object.entries(wanted ?? {}).every(([key, value]) => (value === true ? key in labels : labels[key] === value));
}

function toEnvRecord(env: ContainerSpec['env']): Record<string, string> {
  if (!env) return {};
  return Array.isArray(env) ? parseEnv(env as readonly string[]) : { ...(env as Record<string, string>) };
}

/** Docker reports signals by number in events. */
function signalNumber(signal: string): string {
  const numbers: Record<string, string> = {
    SIGHUP: '1',
    SIGINT: '2',
    SIGQUIT: '3',
    SIGKILL: '9',
    SIGUSR1: '10',
    SIGUSR2: '12',
    SIGTERM: '15',
  };
  if (/^\d+$/.test(signal)) return signal;
  const name = signal.toUpperCase().startsWith('SIG') ? signal.toUpperCase() : `SIG${signal.toUpperCase()}`;
  return numbers[name] ?? '15';
}

function normalizeRef(ref: string): string {
  const lastSegment = ref.slice(ref.lastIndexOf('/') + 1);
  return lastSegment.includes(':') || lastSegment.includes('@') ? ref : `${ref}:latest`;
}

function newId(): string {
  return randomBytes(32).toString('hex');
}
