/*
 * The container runtime as the ECS provider sees it: ids, names and plain data in and out. Nothing here
 * mentions dockerode, so the provider can run against the in-memory backend in unit tests.
 */

export interface EngineVersion {
  /** Engine release, e.g. `20.10.24`. */
  readonly version: string;
  /** Highest Engine API version the engine serves, e.g. `1.41`. */
  readonly apiVersion: string;
  readonly os: string;
  readonly arch: string;
}

/** The engine's host as `docker info` reports it: the capacity tasks share. */
export interface EngineInfo {
  /** CPUs the engine can use (`NCPU`). */
  readonly cpus: number;
  /** Memory of the engine's host in bytes (`MemTotal`). */
  readonly memoryBytes: number;
  /** Engine release (`ServerVersion`), e.g. `20.10.24`. */
  readonly serverVersion: string;
  /** `linux` or `windows` (`OSType`). */
  readonly os: string;
  /** The host's operating system, e.g. `Debian GNU/Linux 12 (bookworm)` (`OperatingSystem`). */
  readonly operatingSystem: string;
  readonly kernelVersion: string;
  /** As the engine names it, e.g. `x86_64`, `aarch64` (`Architecture`). */
  readonly architecture: string;
}

export interface ImageInfo {
  /** Content-addressed image id, `sha256:…`. */
  readonly id: string;
  readonly repoTags: string[];
  /** `repo@sha256:…`; empty for images built locally and never pushed or pulled. */
  readonly repoDigests: string[];
  readonly created?: Date;
  readonly os: string;
  readonly architecture: string;
  readonly sizeBytes: number;
}

/**
 * Credentials for one pull, sent to the engine as its `X-Registry-Auth` header (what `docker login` would
 * have stored), e.g. an ECR token: `{ username: 'AWS', password, serveraddress: 'localhost:4510' }`.
 */
export interface RegistryAuth {
  readonly username: string;
  readonly password: string;
  readonly serveraddress: string;
}

/** One line of the engine's pull stream. */
export interface PullProgress {
  readonly status: string;
  /** Layer id, when the line is about one layer. */
  readonly id?: string;
  /** Human-readable progress bar. */
  readonly progress?: string;
  readonly current?: number;
  readonly total?: number;
}

export type PortProtocol = 'tcp' | 'udp';

export interface PortBinding {
  readonly containerPort: number;
  /** Defaults to `tcp`. */
  readonly protocol?: PortProtocol;
  /** Absent: the engine picks a free port. */
  readonly hostPort?: number;
  /** Host address to bind; all addresses when absent. */
  readonly hostIp?: string;
}

/** A host path (`bind`) or a named Docker volume (`volume`, created by the engine if missing). */
export interface Mount {
  readonly type: 'bind' | 'volume';
  /** Absolute host path for `bind`, volume name for `volume`. */
  readonly source: string;
  readonly target: string;
  readonly readOnly?: boolean;
}

export interface Ulimit {
  readonly name: string;
  readonly soft: number;
  readonly hard: number;
}

export interface HealthCheckSpec {
  /** As in ECS and Docker: `['CMD', …]`, `['CMD-SHELL', '…']` or `['NONE']`. */
  readonly test: string[];
  readonly intervalSeconds?: number;
  readonly timeoutSeconds?: number;
  readonly retries?: number;
  readonly startPeriodSeconds?: number;
}

export interface ContainerSpec {
  readonly name?: string;
  readonly image: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** A record, or `KEY=VALUE` strings. */
  readonly env?: Readonly<Record<string, string>> | readonly string[];
  readonly command?: readonly string[];
  readonly entrypoint?: readonly string[];
  readonly workingDir?: string;
  /** `user`, `uid`, `user:group` or `uid:gid`. */
  readonly user?: string;
  readonly hostname?: string;
  /** `host:ip` entries added to the container's /etc/hosts. */
  readonly extraHosts?: readonly string[];
  /**
   * DNS servers (IP addresses, port 53) for the container's resolver. On a user-defined network Docker's
   * embedded DNS still answers container names and forwards the rest to these; not with `container:` mode.
   */
  readonly dns?: readonly string[];
  readonly mounts?: readonly Mount[];
  /** Container ids or names whose volumes to mount, each optionally suffixed `:ro`. */
  readonly volumesFrom?: readonly string[];
  readonly ports?: readonly PortBinding[];
  /**
   * `bridge` (default), `host`, `none`, a named network, or `container:<id|name>` to join another
   * container's network namespace (the containers then reach each other on localhost).
   */
  readonly networkMode?: string;
  /** Aliases on the named network given as `networkMode`. */
  readonly networkAliases?: readonly string[];
  readonly cpuShares?: number;
  /** CPU quota in units of 1e-9 CPUs. */
  readonly nanoCpus?: number;
  /** Hard memory limit in bytes. */
  readonly memory?: number;
  /** Soft memory limit in bytes. */
  readonly memoryReservation?: number;
  readonly ulimits?: readonly Ulimit[];
  readonly readonlyRootFilesystem?: boolean;
  readonly privileged?: boolean;
  /** Run an init process as PID 1 that reaps zombies and forwards signals (ECS `initProcessEnabled`). */
  readonly init?: boolean;
  readonly healthCheck?: HealthCheckSpec;
  /** Grace period between the stop signal and SIGKILL when no timeout is given to `stopContainer`. */
  readonly stopTimeout?: number;
  /** Signal `stopContainer` sends first; the image's or SIGTERM when absent. */
  readonly stopSignal?: string;
  /** Allocate a pseudo-terminal (ECS `pseudoTerminal`); stdout and stderr are then one stream. */
  readonly tty?: boolean;
  /**
   * Raw Docker HostConfig fields (e.g. from `ECS_DOCKER_FLAGS`), merged over the ones built from this
   * spec: arrays are appended, objects merged one level deep, other values replaced.
   */
  readonly extraHostConfig?: Readonly<Record<string, unknown>>;
}

export type ContainerStatus = 'created' | 'restarting' | 'running' | 'removing' | 'paused' | 'exited' | 'dead';

export type HealthStatus = 'starting' | 'healthy' | 'unhealthy';

export interface ContainerHealth {
  readonly status: HealthStatus;
  readonly failingStreak: number;
  /** Output of the most recent check, for diagnostics. */
  readonly lastOutput?: string;
}

export interface ContainerState {
  readonly status: ContainerStatus;
  readonly running: boolean;
  readonly exitCode: number;
  /** The engine's error, e.g. why the container failed to start; empty when none. */
  readonly error: string;
  readonly oomKilled: boolean;
  readonly pid?: number;
  readonly startedAt?: Date;
  readonly finishedAt?: Date;
  /** Present only for containers with a health check. */
  readonly health?: ContainerHealth;
}

/** A published port as bound on the host. */
export interface PortMapping {
  readonly containerPort: number;
  readonly protocol: PortProtocol;
  readonly hostIp: string;
  readonly hostPort: number;
}

export interface NetworkAttachment {
  readonly name: string;
  readonly networkId: string;
  /** Empty when the container is not running. */
  readonly ipAddress: string;
  readonly gateway: string;
  readonly macAddress: string;
  readonly aliases: string[];
}

export interface ContainerInfo {
  readonly id: string;
  /** Without Docker's leading `/`. */
  readonly name: string;
  /** The image reference the container was created from. */
  readonly image: string;
  /** The resolved image id, `sha256:…`. */
  readonly imageId: string;
  readonly labels: Record<string, string>;
  readonly created: Date;
  readonly command: string[];
  readonly entrypoint: string[];
  /** The effective environment, the image's included. */
  readonly env: Record<string, string>;
  readonly workingDir: string;
  readonly user: string;
  readonly hostname: string;
  readonly networkMode: string;
  readonly state: ContainerState;
  readonly ports: PortMapping[];
  readonly networks: NetworkAttachment[];
}

export interface ContainerSummary {
  readonly id: string;
  readonly name: string;
  readonly image: string;
  readonly imageId: string;
  readonly labels: Record<string, string>;
  readonly status: ContainerStatus;
  readonly created: Date;
}

export interface ListContainersOptions {
  /** Containers carrying every one of these labels: `true` matches any value. */
  readonly labels?: Readonly<Record<string, string | true>>;
  /** Include containers that are not running. */
  readonly all?: boolean;
}

export interface RemoveContainerOptions {
  /** Kill a running container first; a container that is already gone is then not an error. */
  readonly force?: boolean;
  /** Remove the container's anonymous volumes too. */
  readonly removeVolumes?: boolean;
}

export interface LogOptions {
  /**
   * Keep reading until the container stops. Only effective on a running container: on one that is
   * created but not started yet the engine returns what is logged so far and ends, so start first.
   */
  readonly follow?: boolean;
  /** Only lines logged at or after this time. */
  readonly since?: Date;
  /**
   * Only lines after this position (the `mark`s of the last lines an earlier reader took), to resume
   * reading a log in another process without repeating or skipping a line.
   */
  readonly after?: LogPosition;
  readonly signal?: AbortSignal;
  /**
   * Whether the container was created with a TTY (its output is then not multiplexed), when the caller
   * knows: spares an inspect before the read. Without it the backend asks the engine.
   */
  readonly tty?: boolean;
}

export interface LogLine {
  readonly stream: 'stdout' | 'stderr';
  /**
   * When the line was read: the engine's timestamp for a line read from the log (json-file), the time it
   * was read off the attach stream for a line read live (`attachOutput`).
   */
  readonly timestamp: Date;
  /** Without the line break. */
  readonly line: string;
  /** Where the log stands right after this line on its stream; absent when the engine gave no timestamp. */
  readonly mark?: LogMark | LineCountMark;
}

/**
 * A point in one stream of a container's log: the engine's timestamp (RFC 3339 with nanoseconds, as
 * it wrote it) and how many messages with exactly that timestamp were read, since several can share one.
 */
export interface LogMark {
  readonly timestamp: string;
  readonly count: number;
}

/**
 * A point in one stream of a container's output counted in lines from its start: how many non-empty
 * lines were read (the attach stream and the json-file log hold the same lines, so the count means the
 * same in both), and the time given to the last of them (what a re-read of the log continues from, so
 * that the stream's times never go back).
 */
export interface LineCountMark {
  readonly lines: number;
  readonly at: number;
}

export function isLineCountMark(mark: LogMark | LineCountMark | undefined): mark is LineCountMark {
  return mark !== undefined && 'lines' in mark;
}

/** How far a reader got in a container's log: the mark of the last line taken on each stream. */
export interface LogPosition {
  readonly stdout?: LogMark | LineCountMark;
  readonly stderr?: LogMark | LineCountMark;
}

/** Options of `attachOutput`. */
export interface AttachOptions {
  readonly signal?: AbortSignal;
}

export type ContainerEventAction =
  | 'create'
  | 'start'
  | 'restart'
  | 'die'
  | 'kill'
  | 'stop'
  | 'oom'
  | 'destroy'
  | 'pause'
  | 'unpause'
  | 'rename'
  | 'update'
  | 'health_status'
  | 'exec_create'
  | 'exec_start'
  | 'exec_die'
  // Keeps the known actions suggested while letting any other engine action through.
  | (string & {});

export interface ContainerEvent {
  readonly id: string;
  /** The action without its detail: `health_status: healthy` is `health_status`. */
  readonly action: ContainerEventAction;
  readonly name?: string;
  readonly image?: string;
  /** On `die`. */
  readonly exitCode?: number;
  /** On `kill`, e.g. `15`. */
  readonly signal?: string;
  /** On `health_status`. */
  readonly healthStatus?: HealthStatus;
  readonly labels: Record<string, string>;
  readonly time: Date;
}

export interface EventFilter {
  readonly labels?: Readonly<Record<string, string | true>>;
  /**
   * Replay events from this time on (inclusive), e.g. the last one seen before a reconnect. The engine
   * keeps only its most recent events (256 on 20.10), so a reconnect should reconcile by inspection too.
   */
  readonly since?: Date;
}

export interface EventHandlers {
  onEvent(event: ContainerEvent): void;
  /**
   * The stream failed or ended (the engine stopped or restarted); the subscription is closed. Reconnect
   * and reconcile with `listContainers`/`inspectContainer`. Not called after `close()`.
   */
  onError?(error: Error): void;
}

export interface EventSubscription {
  /** Idempotent. */
  close(): void;
  readonly closed: boolean;
}

export interface NetworkInfo {
  readonly id: string;
  readonly name: string;
  /** The network's address ranges (IPAM), e.g. `172.17.0.0/16` with gateway `172.17.0.1`. */
  readonly subnets: readonly { readonly subnet: string; readonly gateway?: string }[];
}

export interface NetworkOptions {
  readonly labels?: Readonly<Record<string, string>>;
}

export interface VolumeSpec {
  readonly name: string;
  /** Defaults to `local`. */
  readonly driver?: string;
  readonly driverOpts?: Readonly<Record<string, string>>;
  readonly labels?: Readonly<Record<string, string>>;
}

/** A process to run in a running container (`docker exec`). */
export interface ExecOptions {
  readonly command: readonly string[];
  /**
   * Allocate a pseudo-terminal: output is then one raw stream (stdout and stderr together, with the
   * terminal's echo and `\r\n` line ends) and `resize` applies.
   */
  readonly tty?: boolean;
  /** `KEY=VALUE` strings added to the container's environment. */
  readonly env?: readonly string[];
  readonly user?: string;
  readonly workingDir?: string;
  /** The terminal's size right after the process starts. */
  readonly size?: TerminalSize;
}

export interface TerminalSize {
  readonly cols: number;
  readonly rows: number;
}

/** A process started by `execContainer`, its stdin and output as plain byte streams. */
export interface ExecProcess {
  /** The engine's exec id. */
  readonly id: string;
  /** What the process writes (stdout and stderr merged); ends when the process has exited. */
  readonly output: AsyncIterable<Uint8Array>;
  /** Writes to the process's stdin. */
  write(data: Uint8Array): void;
  /** Resizes its terminal (only with `tty`). */
  resize(size: TerminalSize): Promise<void>;
  /** Resolves with the exit code once the process has exited. */
  exitCode(): Promise<number>;
  /**
   * Ends the session: closes stdin and the connection, and hangs up a process still running (SIGHUP,
   * as closing a terminal does). Idempotent.
   */
  close(): Promise<void>;
}

/**
 * Everything ECS needs from a container engine. Methods throw the errors of `./errors`: engine
 * failures are `ContainerBackendError`s, never the underlying client's errors.
 */
export interface ContainerBackend {
  /** Resolves when the engine answers; throws `EngineUnavailableError` otherwise. */
  ping(): Promise<void>;
  version(): Promise<EngineVersion>;
  /** The engine host's CPUs, memory and platform (`docker info`). */
  engineInfo(): Promise<EngineInfo>;

  imageExists(ref: string): Promise<boolean>;
  /** Throws `ImageNotFoundError` when the image is not present locally. */
  inspectImage(ref: string): Promise<ImageInfo>;
  /** Throws `ImageNotFoundError`, carrying the engine's message, when the pull fails. */
  pullImage(ref: string, onProgress?: (progress: PullProgress) => void, auth?: RegistryAuth): Promise<void>;
  /** The local image if present, else pulls it. */
  ensureImage(ref: string, onProgress?: (progress: PullProgress) => void): Promise<ImageInfo>;
  /**
   * The pause image that holds a task's network namespace (`ref`, default `PAUSE_IMAGE`): made on first
   * use from a tiny program shipped in this package, for the engine's architecture, never pulled. Its
   * `/pause` waits for a signal and exits 0 on SIGTERM or SIGINT. Safe to call concurrently.
   */
  ensurePauseImage(ref?: string): Promise<ImageInfo>;

  /** Returns the new container's id. `NameConflictError` when the name is taken. */
  createContainer(spec: ContainerSpec): Promise<string>;
  /** Starting a running container is not an error. */
  startContainer(id: string): Promise<void>;
  /**
   * Sends the stop signal, then SIGKILL after `timeoutSeconds` (the container's `stopTimeout`, else
   * the engine's default, when absent). Stopping a stopped container is not an error.
   */
  stopContainer(id: string, timeoutSeconds?: number): Promise<void>;
  /** Sends `signal` (default SIGKILL); `ContainerNotRunningError` when the container is not running. */
  killContainer(id: string, signal?: string): Promise<void>;
  /** Resolves with the exit code once the container is not running. */
  waitContainer(id: string, options?: { readonly signal?: AbortSignal }): Promise<number>;
  inspectContainer(id: string): Promise<ContainerInfo>;
  removeContainer(id: string, options?: RemoveContainerOptions): Promise<void>;
  listContainers(options?: ListContainersOptions): Promise<ContainerSummary[]>;
  /**
   * The container's output line by line, stdout and stderr apart, each in the order written (the
   * engine reads the two apart, so their interleaving is only approximate). Breaking out of the loop
   * or aborting `signal` closes the stream.
   */
  containerLogs(id: string, options?: LogOptions): AsyncIterable<LogLine>;
  /**
   * `containerLogs` in batches: each holds the lines read since the last one was taken, so a busy log
   * costs one iteration per read from the engine rather than one per line.
   */
  containerLogBatches(id: string, options?: LogOptions): AsyncIterable<readonly LogLine[]>;
  /**
   * The container's output as the engine copies it to attached clients, opened before the container
   * starts so that no line is missed: resolves once the engine accepted the attach, with batches of
   * lines (one per read), each stamped with the time it was read and marked with line counts
   * (`LineCountMark`). The iteration ends when the output ends (the container exited); it throws when
   * the connection fails first. Not offered (absent, or resolving `undefined`) where the engine cannot
   * be attached to this way; `pseudoTerminal` containers are read from their log instead.
   */
  attachOutput?(id: string, options?: AttachOptions): Promise<AsyncIterable<readonly LogLine[]> | undefined>;
  /**
   * Starts a process in a running container (`docker exec`); `ContainerNotRunningError` when the
   * container is not running.
   */
  execContainer(id: string, options: ExecOptions): Promise<ExecProcess>;
  /** One sample of Docker's stats JSON, as the engine returns it. */
  stats(id: string): Promise<Record<string, unknown>>;

  /** Resolves once the engine is streaming, so later actions' events are not missed. */
  events(filter: EventFilter, handlers: EventHandlers): Promise<EventSubscription>;

  /** Creates a bridge network unless one of that name exists; returns its id. Safe to call concurrently. */
  ensureNetwork(name: string, options?: NetworkOptions): Promise<string>;
  networkExists(name: string): Promise<boolean>;
  /** The network by name or id; `undefined` when there is none. */
  inspectNetwork(name: string): Promise<NetworkInfo | undefined>;
  /** A network that does not exist is not an error. */
  removeNetwork(name: string): Promise<void>;
  connectContainer(network: string, id: string, aliases?: readonly string[]): Promise<void>;

  /** Creating a volume that exists is not an error. */
  createVolume(spec: VolumeSpec): Promise<void>;
  volumeExists(name: string): Promise<boolean>;
  /** A volume that does not exist is not an error. */
  removeVolume(name: string): Promise<void>;

  /** Closes event subscriptions and open streams this backend started. */
  close(): Promise<void>;
}
