import Dockerode from 'dockerode';
import { setMaxListeners } from 'node:events';
import type { Readable } from 'node:stream';
import type {
  ContainerBackend,
  ContainerInfo,
  ContainerSpec,
  ContainerSummary,
  EngineInfo,
  EngineVersion,
  EventFilter,
  EventHandlers,
  EventSubscription,
  ExecOptions,
  ExecProcess,
  ImageInfo,
  ListContainersOptions,
  LogLine,
  LogOptions,
  AttachOptions,
  NetworkInfo,
  NetworkOptions,
  PullProgress,
  RegistryAuth,
  RemoveContainerOptions,
  VolumeSpec,
} from './container-backend';
import { toCreateOptions } from './create-options';
import { createDockerode, type EngineAddress } from './engine-client';
import {
  ContainerBackendError,
  ContainerNotFoundError,
  ContainerNotRunningError,
  EngineUnavailableError,
  ImageNotFoundError,
  toBackendError,
  type ErrorTarget,
} from './errors';
import { followEvents } from './event-stream';
import { ImageInfoCache } from './image-cache';
import { startExec } from './exec-process';
import { AttachLineSplitter, LogLineParser, demuxFrames, readLogBatches, type Demuxer } from './log-stream';
import { openRawStream, type RawEndpoint } from './raw-stream';
import { PAUSE_IMAGE, PAUSE_IMAGE_CHANGES, pauseImageRootfs } from './pause-image/pause-image';
import {
  mapContainer,
  mapContainerSummary,
  mapImage,
  type RawContainerInspect,
  type RawContainerListItem,
  type RawImageInspect,
} from './map-inspect';

/** The newest Engine API this code is written against; older engines are spoken to in their own version. */
export const MAX_API_VERSION = '1.41';

/** Where the engine is: an explicit socket or host, else found in an environment as the docker CLI does. */
export type DockerodeBackendOptions = EngineAddress;

/** The parts of docker-modem used here (dockerode types it as `any`). */
interface Modem {
  version?: string;
  socketPath?: unknown;
  pathPrefix?: string;
  host?: string;
  port?: string | number;
  protocol?: string;
  dial(options: Record<string, unknown>, callback: (error: unknown, result: unknown) => void): void;
  demuxStream: Demuxer;
  followProgress(
    source: Readable,
    onFinished: (error: unknown, output: unknown[]) => void,
    onProgress?: (event: RawProgress) => void,
  ): void;
}

interface RawProgress {
  status?: string;
  id?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string };
}

interface RawNetwork {
  Id: string;
  Name: string;
  Created: string;
  IPAM?: { Config?: { Subnet?: string; Gateway?: string }[] | null };
}

/**
 * ContainerBackend on the Docker Engine API through dockerode. Without a socket or host it finds the
 * engine the way the docker CLI does (`DOCKER_HOST`, `DOCKER_TLS_VERIFY`, `DOCKER_CERT_PATH`, else the
 * default socket), in `options.env` or `process.env`.
 */
export class DockerodeBackend implements ContainerBackend {
  private readonly docker: Dockerode;
  private readonly modem: Modem;
  private readonly endpoint: string;
  private negotiation?: Promise<void>;
  /** Where followed logs are read with a bare socket, if the engine allows it (see rawEndpoint). */
  private raw?: Promise<RawEndpoint | undefined>;
  /** Aborts every long-running request on `close()`. */
  private readonly lifetime = new AbortController();
  private readonly subscriptions = new Set<EventSubscription>();
  private readonly networkCreations = new Map<string, Promise<string>>();
  private readonly pauseImports = new Map<string, Promise<ImageInfo>>();
  private readonly images = new ImageInfoCache(async () => {
    const since = unixSeconds(new Date());
    return (await this.call({}, () =>
      this.docker.getEvents({ since, filters: { type: ['image'] }, abortSignal: this.lifetime.signal }),
    )) as Readable;
  });

  constructor(options: DockerodeBackendOptions = {}) {
    this.docker = createDockerode(options);
    this.modem = this.docker.modem as unknown as Modem;
    this.endpoint = describeEndpoint(this.modem);
    // Every long-running request listens on it: many concurrent waits are expected, not a leak.
    setMaxListeners(0, this.lifetime.signal);
  }

  // --- engine ---

  async ping(): Promise<void> {
    await this.call({}, () => this.docker.ping());
  }

  async version(): Promise<EngineVersion> {
    const raw = await this.call({}, () => this.docker.version());
    return { version: raw.Version, apiVersion: raw.ApiVersion, os: raw.Os, arch: raw.Arch };
  }

  async engineInfo(): Promise<EngineInfo> {
    const raw = (await this.call({}, () => this.docker.info())) as Record<string, unknown>;
    const text = (value: unknown) => (typeof value === 'string' ? value : '');
    return {
      cpus: typeof raw.NCPU === 'number' ? raw.NCPU : 0,
      memoryBytes: typeof raw.MemTotal === 'number' ? raw.MemTotal : 0,
      serverVersion: text(raw.ServerVersion),
      os: text(raw.OSType),
      operatingSystem: text(raw.OperatingSystem),
      kernelVersion: text(raw.KernelVersion),
      architecture: text(raw.Architecture),
    };
  }

  // --- images ---

  async imageExists(ref: string): Promise<boolean> {
    try {
      await this.inspectImage(ref);
      return true;
    } catch (error) {
      if (error instanceof ImageNotFoundError) return false;
      throw error;
    }
  }

  async inspectImage(ref: string): Promise<ImageInfo> {
    const raw = await this.call({ kind: 'image', ref }, () => this.docker.getImage(ref).inspect());
    return mapImage(raw as RawImageInspect);
  }

  async pullImage(ref: string, onProgress?: (progress: PullProgress) => void, auth?: RegistryAuth): Promise<void> {
    try {
      await this.call({ kind: 'image', ref }, async () => {
        const source = (await this.docker.pull(ref, {
          abortSignal: this.lifetime.signal,
          ...(auth ? { authconfig: { ...auth } } : {}),
        })) as Readable;
        // The engine answers 200 and then reports a failed pull inside the stream.
        const failure = await new Promise<string | undefined>((resolve, reject) => {
          let streamError: string | undefined;
          this.modem.followProgress(
            source,
            (error) => (error ? reject(error) : resolve(streamError)),
            (event) => {
              if (event.error) streamError ??= event.errorDetail?.message ?? event.error;
              else onProgress?.(toProgress(event));
            },
          );
        });
        if (failure !== undefined) throw new ImageNotFoundError(ref, failure);
      });
      this.images.invalidate();
    } catch (error) {
      // Any failure the engine reports (404 "pull access denied", 500 "no such host", …) means no image.
      const reported = error instanceof ContainerBackendError && !(error instanceof EngineUnavailableError);
      if (reported && !(error instanceof ImageNotFoundError)) {
        throw new ImageNotFoundError(ref, error.message, error.statusCode, { cause: error });
      }
      throw error;
    }
  }

  async ensureImage(ref: string, onProgress?: (progress: PullProgress) => void): Promise<ImageInfo> {
    try {
      return await this.images.get(ref, () => this.inspectImage(ref));
    } catch (error) {
      if (!(error instanceof ImageNotFoundError)) throw error;
    }
    await this.pullImage(ref, onProgress);
    return this.inspectImage(ref);
  }

  ensurePauseImage(ref: string = PAUSE_IMAGE): Promise<ImageInfo> {
    // Concurrent callers in this process share one import.
    let pending = this.pauseImports.get(ref);
    if (!pending) {
      pending = this.importPauseImageOnce(ref).finally(() => this.pauseImports.delete(ref));
      this.pauseImports.set(ref, pending);
    }
    return pending;
  }

  // --- containers ---

  async createContainer(spec: ContainerSpec): Promise<string> {
    const { name, ...body } = toCreateOptions(spec);
    // `_query`/`_body` keep the spec (environment included) out of the URL, where dockerode would
    // otherwise repeat it and the engine's debug log would record it.
    const options = { _query: name ? { name } : {}, _body: body } as unknown as Dockerode.ContainerCreateOptions;
    const container = await this.call({ kind: 'container', ref: name }, () => this.docker.createContainer(options));
    return container.id;
  }

  async startContainer(id: string): Promise<void> {
    await this.onContainer(id, (container) => container.start()).catch(ignoreStatus(304));
  }

  async stopContainer(id: string, timeoutSeconds?: number): Promise<void> {
    const options = timeoutSeconds === undefined ? {} : { t: Math.max(0, Math.round(timeoutSeconds)) };
    await this.onContainer(id, (container) => container.stop(options)).catch(ignoreStatus(304));
  }

  async killContainer(id: string, signal = 'SIGKILL'): Promise<void> {
    await this.onContainer(id, (container) => container.kill({ signal }));
  }

  async waitContainer(id: string, options: { readonly signal?: AbortSignal } = {}): Promise<number> {
    const abortSignal = this.signal(options.signal);
    const result = await this.onContainer(id, (container) => container.wait({ abortSignal }));
    return (result as { StatusCode: number }).StatusCode;
  }

  async inspectContainer(id: string): Promise<ContainerInfo> {
    const raw = await this.onContainer(id, (container) => container.inspect());
    return mapContainer(raw as unknown as RawContainerInspect);
  }

  async removeContainer(id: string, options: RemoveContainerOptions = {}): Promise<void> {
    const { force = false, removeVolumes = false } = options;
    try {
      await this.onContainer(id, (container) => container.remove({ force, v: removeVolumes }));
    } catch (error) {
      // Forced, a container that is gone or already being removed (409) is the outcome asked for.
      const gone = error instanceof ContainerNotFoundError || (error as ContainerBackendError).statusCode === 409;
      if (!force || !gone) throw error;
    }
  }

  async listContainers(options: ListContainersOptions = {}): Promise<ContainerSummary[]> {
    const filters: Record<string, string[]> = options.labels ? { label: labelFilters(options.labels) } : {};
    const raw = await this.call({}, () => this.docker.listContainers({ all: options.all ?? false, filters }));
    return (raw as RawContainerListItem[]).map(mapContainerSummary);
  }

  async *containerLogs(id: string, options: LogOptions = {}): AsyncGenerator<LogLine, void, undefined> {
    for await (const batch of this.containerLogBatches(id, options)) yield* batch;
  }

  async *containerLogBatches(id: string, options: LogOptions = {}): AsyncGenerator<LogLine[], void, undefined> {
    // TTY output is not multiplexed, so the container's config decides how to read it; a caller that
    // created the container knows it, and spares the engine an inspect on the way.
    const tty = options.tty ?? (await this.onContainer(id, (c) => c.inspect())).Config.Tty;
    const parser = new LogLineParser(options.after, options.onPositionMismatch);
    const read = { id, tty, parser, signal: options.signal };
    // Resuming: the engine's `since` cuts most of what was read before, the parser drops the rest (a
    // position in line counts is found by reading from the start).
    const since = options.after ? tailSince(parser, options.since) : options.since;
    if (!options.follow) {
      yield* this.readLog({ ...read, follow: false, since });
      return;
    }
    yield* this.readLog({ ...read, follow: true, since, flush: false });
    // Engine 20.10 can end a follow short of the end when the container exits while it is read (seen:
    // 6949 of 23001 lines). The finished log is complete, so read its tail again, dropping lines seen.
    parser.resume();
    yield* this.readLog({ ...read, follow: false, since: tailSince(parser, options.since) });
  }

  async attachOutput(id: string, options: AttachOptions = {}): Promise<AsyncIterable<LogLine[]> | undefined> {
    const target: ErrorTarget = { kind: 'container', ref: id };
    const raw = await this.rawEndpoint().catch((error: unknown) => {
      throw toBackendError(error, { ...target, endpoint: this.endpoint });
    });
    // TLS and ssh engines: the caller follows the log instead.
    if (!raw) return undefined;
    const signal = this.signal(options.signal);
    const source = await this.call(target, () =>
      openRawStream(raw, `${this.versionPrefix()}/containers/${id}/attach?stream=1&stdout=1&stderr=1`, {
        signal,
        method: 'POST',
        upgrade: true,
      }),
    );
    // An attach closed before anyone reads it (the caller aborts it: an awsvpc container created again)
    // is destroyed with the abort's reason while no reader listens: that must not be an uncaught error.
    // A reader sees errors through its own listeners.
    source.on('error', () => undefined);
    const endpoint = this.endpoint;
    return (async function* () {
      try {
        yield* readLogBatches(source, { signal, splitter: new AttachLineSplitter() });
      } catch (error) {
        throw toBackendError(error, { ...target, endpoint });
      }
    })();
  }

  async execContainer(id: string, options: ExecOptions): Promise<ExecProcess> {
    const info = await this.inspectContainer(id);
    if (!info.state.running) throw new ContainerNotRunningError(`Container ${id} is not running.`);
    return startExec(this.docker.getContainer(info.id), info.id, options, {
      call: (fn) => this.call({ kind: 'container', ref: id }, fn),
      demux: this.modem.demuxStream.bind(this.modem),
    });
  }

  async stats(id: string): Promise<Record<string, unknown>> {
    const raw = await this.onContainer(id, (container) => container.stats({ stream: false }));
    return raw as unknown as Record<string, unknown>;
  }

  // --- events ---

  async events(filter: EventFilter, handlers: EventHandlers): Promise<EventSubscription> {
    // The engine answers before it subscribes; replaying from now closes that gap.
    const since = unixSeconds(filter.since ?? new Date());
    const filters: Record<string, string[]> = { type: ['container'] };
    if (filter.labels) filters.label = labelFilters(filter.labels);
    const source = (await this.call({}, () =>
      this.docker.getEvents({ since, filters, abortSignal: this.lifetime.signal }),
    )) as Readable;
    const subscription = followEvents(
      source,
      {
        onEvent: (event) => handlers.onEvent(event),
        onError: (error) => {
          this.subscriptions.delete(subscription);
          handlers.onError?.(error);
        },
      },
      (error) => toBackendError(error, { endpoint: this.endpoint }),
    );
    this.subscriptions.add(subscription);
    return {
      close: () => {
        this.subscriptions.delete(subscription);
        subscription.close();
      },
      get closed() {
        return subscription.closed;
      },
    };
  }

  // --- networks ---

  ensureNetwork(name: string, options: NetworkOptions = {}): Promise<string> {
    // Concurrent callers in this process share one attempt.
    let pending = this.networkCreations.get(name);
    if (!pending) {
      pending = this.createNetworkOnce(name, options).finally(() => this.networkCreations.delete(name));
      this.networkCreations.set(name, pending);
    }
    return pending;
  }

  async networkExists(name: string): Promise<boolean> {
    return (await this.findNetworks(name)).length > 0;
  }

  async inspectNetwork(name: string): Promise<NetworkInfo | undefined> {
    const raw = (await this.call({ kind: 'network', ref: name }, () => this.docker.getNetwork(name).inspect()).catch(
      ignoreStatus(404),
    )) as RawNetwork | undefined;
    if (!raw) return undefined;
    const subnets = (raw.IPAM?.Config ?? [])
      .filter((config) => !!config.Subnet)
      .map((config) => ({ subnet: config.Subnet!, gateway: config.Gateway || undefined }));
    return { id: raw.Id, name: raw.Name, subnets };
  }

  async removeNetwork(name: string): Promise<void> {
    await this.call({ kind: 'network', ref: name }, () => this.docker.getNetwork(name).remove()).catch(
      ignoreStatus(404),
    );
  }

  async connectContainer(network: string, id: string, aliases?: readonly string[]): Promise<void> {
    const body = { Container: id, EndpointConfig: aliases?.length ? { Aliases: [...aliases] } : {} };
    await this.call({}, () => this.docker.getNetwork(network).connect(body));
  }

  // --- volumes ---

  async createVolume(spec: VolumeSpec): Promise<void> {
    await this.call({ kind: 'volume', ref: spec.name }, () =>
      this.docker.createVolume({
        Name: spec.name,
        Driver: spec.driver ?? 'local',
        DriverOpts: { ...spec.driverOpts },
        Labels: { ...spec.labels },
      }),
    );
  }

  async volumeExists(name: string): Promise<boolean> {
    try {
      await this.call({ kind: 'volume', ref: name }, () => this.docker.getVolume(name).inspect());
      return true;
    } catch (error) {
      if ((error as ContainerBackendError).statusCode === 404) return false;
      throw error;
    }
  }

  async removeVolume(name: string): Promise<void> {
    await this.call({ kind: 'volume', ref: name }, () => this.docker.getVolume(name).remove()).catch(ignoreStatus(404));
  }

  async close(): Promise<void> {
    for (const subscription of this.subscriptions) subscription.close();
    this.subscriptions.clear();
    this.lifetime.abort(new ContainerBackendError('The container backend was closed.'));
  }

  // --- plumbing ---

  private async importPauseImageOnce(ref: string): Promise<ImageInfo> {
    try {
      return await this.images.get(ref, () => this.inspectImage(ref));
    } catch (error) {
      if (!(error instanceof ImageNotFoundError)) throw error;
    }
    const { arch } = await this.version();
    const imported = await this.importImage(ref, pauseImageRootfs(arch), PAUSE_IMAGE_CHANGES);
    this.images.invalidate();
    const image = await this.inspectImage(ref);
    // Another process imported at the same time and its tag won: drop our untagged copy, unless in use.
    if (imported && imported !== image.id) {
      await this.call({ kind: 'image', ref: imported }, () => this.docker.getImage(imported).remove()).catch(
        () => undefined,
      );
    }
    return image;
  }

  /** `POST /images/create?fromSrc=-`: an image from a root filesystem tar; returns its id when reported. */
  private importImage(ref: string, rootfs: Buffer, changes: readonly string[]): Promise<string | undefined> {
    const separator = ref.lastIndexOf(':');
    const options = { repo: ref.slice(0, separator), tag: ref.slice(separator + 1), changes: [...changes] };
    return this.call({ kind: 'image', ref }, async () => {
      const source = (await this.docker.importImage(rootfs as unknown as NodeJS.ReadableStream, options)) as Readable;
      return new Promise<string | undefined>((resolve, reject) => {
        let id: string | undefined;
        let failure: string | undefined;
        this.modem.followProgress(
          source,
          (error) => {
            if (error) reject(error);
            else if (failure !== undefined) reject(new ContainerBackendError(`Importing ${ref} failed: ${failure}`));
            else resolve(id);
          },
          (event) => {
            if (event.error) failure ??= event.errorDetail?.message ?? event.error;
            else if (event.status?.startsWith('sha256:')) id = event.status;
          },
        );
      });
    });
  }

  /** Runs one engine call: negotiates the API version first and maps any failure to a backend error. */
  private async call<T>(target: ErrorTarget, fn: () => Promise<T>): Promise<T> {
    try {
      await this.negotiate();
      return await fn();
    } catch (error) {
      throw toBackendError(error, { ...target, endpoint: this.endpoint });
    }
  }

  private onContainer<T>(id: string, fn: (container: Dockerode.Container) => Promise<T>): Promise<T> {
    return this.call({ kind: 'container', ref: id }, () => fn(this.docker.getContainer(id)));
  }

  /** Speaks the engine's API version, capped at the one this code knows, as the docker CLI does. */
  private negotiate(): Promise<void> {
    this.negotiation ??= (async () => {
      const { ApiVersion } = await this.docker.version();
      this.modem.version = `v${olderVersion(ApiVersion, MAX_API_VERSION)}`;
    })().catch((error: unknown) => {
      this.negotiation = undefined;
      throw error;
    });
    return this.negotiation;
  }

  private async *readLog(read: {
    id: string;
    tty: boolean;
    parser: LogLineParser;
    follow: boolean;
    since?: Date;
    flush?: boolean;
    signal?: AbortSignal;
  }): AsyncGenerator<LogLine[], void, undefined> {
    const target: ErrorTarget = { kind: 'container', ref: read.id };
    const signal = this.signal(read.signal);
    const query: Record<string, unknown> = { follow: read.follow, stdout: true, stderr: true, timestamps: true };
    if (read.since) query.since = unixSeconds(read.since);
    const raw = await this.rawEndpoint().catch((error: unknown) => {
      throw toBackendError(error, { ...target, endpoint: this.endpoint });
    });
    const source = await this.call(target, () =>
      raw
        ? openRawStream(raw, `${this.versionPrefix()}/containers/${read.id}/logs?${queryString(query)}`, { signal })
        : this.dialStream({ path: `/containers/${read.id}/logs?`, method: 'GET', options: query, abortSignal: signal }),
    );
    const demux = read.tty ? undefined : demuxFrames;
    try {
      yield* readLogBatches(source, { demux, signal, parser: read.parser, flush: read.flush });
    } catch (error) {
      throw toBackendError(error, { ...target, endpoint: this.endpoint });
    }
  }

  /** Found once; a failure is not kept, so the next read tries again. */
  private rawEndpoint(): Promise<RawEndpoint | undefined> {
    this.raw ??= rawEndpoint(this.modem).catch((error: unknown) => {
      this.raw = undefined;
      throw error;
    });
    return this.raw;
  }

  /** The negotiated API version as a path prefix, as docker-modem adds it. */
  private versionPrefix(): string {
    return this.modem.version ? `/${this.modem.version}` : '';
  }

  /** A request whose response is read as a stream whatever the endpoint (dockerode buffers some). */
  private dialStream(options: Record<string, unknown>): Promise<Readable> {
    return new Promise((resolve, reject) =>
      this.modem.dial(
        { ...options, isStream: true, statusCodes: { 200: true, 404: 'no such container', 500: 'server error' } },
        (error, result) => (error ? reject(error) : resolve(result as Readable)),
      ),
    );
  }

  private signal(caller?: AbortSignal): AbortSignal {
    return caller ? AbortSignal.any([caller, this.lifetime.signal]) : this.lifetime.signal;
  }

  private async findNetworks(name: string): Promise<RawNetwork[]> {
    const raw = await this.call({}, () => this.docker.listNetworks({ filters: { name: [name] } }));
    // The engine's name filter matches substrings.
    return (raw as RawNetwork[]).filter((network) => network.Name === name);
  }

  private async createNetworkOnce(name: string, options: NetworkOptions): Promise<string> {
    const existing = await this.findNetworks(name);
    if (existing.length > 0) return oldest(existing).Id;
    let createdId: string | undefined;
    try {
      const created = await this.call({ kind: 'network', ref: name }, () =>
        this.docker.createNetwork({
          Name: name,
          Driver: 'bridge',
          CheckDuplicate: true,
          Labels: { ...options.labels },
        }),
      );
      createdId = created.id;
    } catch (error) {
      // Another caller's create won the engine's duplicate check.
      if ((error as ContainerBackendError).statusCode !== 409) throw error;
    }
    // The engine's duplicate check is not atomic: concurrent creates from several processes can all
    // succeed. Every caller agrees on the oldest network and removes its own if it lost.
    const all = await this.findNetworks(name);
    if (all.length === 0) throw new ContainerBackendError(`Network '${name}' vanished while being created.`);
    const winner = oldest(all);
    if (createdId && createdId !== winner.Id) {
      await this.call({ kind: 'network', ref: createdId }, () => this.docker.getNetwork(createdId!).remove()).catch(
        ignoreStatus(404),
      );
    }
    return winner.Id;
  }
}

function describeEndpoint(modem: Modem): string {
  if (modem.host) return `${modem.protocol ?? 'http'}://${modem.host}${modem.port ? `:${modem.port}` : ''}`;
  if (typeof modem.socketPath === 'string') return `unix://${modem.socketPath}`;
  return 'the default Docker socket';
}

function ignoreStatus(statusCode: number) {
  return (error: unknown): void => {
    if (error instanceof ContainerBackendError && error.statusCode === statusCode) return;
    throw error;
  };
}

function labelFilters(labels: Readonly<Record<string, string | true>>): string[] {
  return Object.entries(labels).map(([key, value]) => (value === true ? key : `${key}=${value}`));
}

/** The engine takes fractional Unix seconds. */
/**
 * Where to read a log again from so that no line after the parser's position is missed: a second before
 * the newest line it has seen, as the two streams' lines are not quite in time order (never before `since`).
 */
function tailSince(parser: LogLineParser, since: Date | undefined): Date | undefined {
  const latest = parser.latest();
  return latest ? new Date(Math.max(latest.getTime() - 1000, since?.getTime() ?? 0)) : since;
}

/**
 * Where the engine can be read with a bare socket (openRawStream): a Unix socket, or plain HTTP without a
 * path prefix. TLS and ssh engines go through docker-modem.
 */
async function rawEndpoint(modem: Modem): Promise<RawEndpoint | undefined> {
  if (modem.pathPrefix !== undefined && modem.pathPrefix !== '/') return undefined;
  // docker-modem's default socket is a function that finds it (the user's rootless socket, else the system's).
  const socketPath =
    typeof modem.socketPath === 'function' ? await (modem.socketPath as () => unknown)() : modem.socketPath;
  if (typeof socketPath === 'string') return { socketPath };
  if (modem.host && modem.protocol === 'http' && modem.port !== undefined) {
    return { host: modem.host, port: Number(modem.port) };
  }
  return undefined;
}

function queryString(query: Record<string, unknown>): string {
  return new URLSearchParams(
    Object.entries(query).map(([key, value]): [string, string] => [key, String(value)]),
  ).toString();
}

function unixSeconds(time: Date): number {
  return time.getTime() / 1000;
}

function toProgress(event: RawProgress): PullProgress {
  return {
    status: event.status ?? '',
    id: event.id,
    progress: event.progress,
    current: event.progressDetail?.current,
    total: event.progressDetail?.total,
  };
}

/** The lower of two `major.minor` API versions. */
function olderVersion(a: string, b: string): string {
  const [aMajor = 0, aMinor = 0] = a.split('.').map(Number);
  const [bMajor = 0, bMinor = 0] = b.split('.').map(Number);
  return aMajor < bMajor || (aMajor === bMajor && aMinor < bMinor) ? a : b;
}

function oldest(networks: RawNetwork[]): RawNetwork {
  const key = (network: RawNetwork) =>
    `${new Date(network.Created).getTime().toString().padStart(16, '0')}/${network.Id}`;
  return networks.reduce((best, network) => (key(network) < key(best) ? network : best));
}
