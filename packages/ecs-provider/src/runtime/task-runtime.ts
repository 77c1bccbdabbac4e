import { EventEmitter } from 'node:events';
import type { Container, NetworkBinding, TaskDefinition } from '@aws-sdk/client-ecs';
import {
  ContainerNotFoundError,
  PortInUseError,
  type ContainerBackend,
  type ContainerInfo,
  type ContainerSpec,
  type ImageInfo,
  type PullProgress,
} from '@localcloud/docker-backend';
import type { Logger } from 'winston';
import { unsupportedTaskFeature } from './unsupported-features';
import { registryHostOf, type RegistryLogin } from './registry-credentials';
import { SecretsUnavailableError, TaskSecrets, type ResolvedSecrets } from './task-secrets';
import { planTask, type PlannedContainer, type TaskPlan } from './container-plan';
import type { EcsRuntimeConfig } from './runtime-config';
import type { TaskHooks } from './task-hooks';
import type { ImageSource, ResolvedImage } from './image-source';
import { containerOf, taskIdOf, type TaskRecord, type TaskRef, type TaskRepository } from './task-record';
import { editableTask, sameMembers, type EditableParts, ALL_PARTS } from './editable-task';

export interface TaskRuntimeOptions {
  readonly backend: ContainerBackend;
  readonly repository: TaskRepository;
  readonly config: EcsRuntimeConfig;
  /** This gateway instance (`LABELS.instance` on every container it creates). */
  readonly instanceId: string;
  readonly logger: Logger;
  /** `AWS_ENDPOINT_URL` for task containers, once the gateway's port is known. */
  readonly endpointUrl: () => string | undefined;
  /** Log delivery, metadata and credentials endpoints (`src/task-agent/`). */
  readonly hooks?: TaskHooks;
  /** Called after any change to a stored task (the service scheduler reacts to it). */
  readonly onTaskChanged?: (ref: TaskRef) => void;
  /** Awaited before a stopping task's containers are stopped: e.g. its load balancer targets drain. */
  readonly beforeStopping?: (ref: TaskRef) => Promise<void>;
  /** Resolves `secrets` and `secretOptions` at start; without it a task that has them fails to start. */
  readonly secrets?: TaskSecrets;
  /** Where images that are not pulled as named come from (ECR repositories). */
  readonly images?: ImageSource;
}

export interface StopRequest {
  readonly stopCode:
    | 'TaskFailedToStart'
    | 'EssentialContainerExited'
    | 'UserInitiated'
    | 'ServiceSchedulerInitiated'
    | 'TerminationNotice';
  readonly reason: string;
}

/** A dependency condition that can no longer be met: the task cannot start. */
class DependencyFailed extends Error {}
/** The task was asked to stop while it was still starting. */
class LaunchAborted extends Error {}

/** A change of the task's own members (a status, a time): its containers, attachments and plan stay stored. */
const TASK_ONLY: EditableParts = {};
/** A change of the task and its containers. */
const CONTAINERS: EditableParts = { containers: true };

/**
 * Runs ECS tasks as containers: launches them (pull, create, start in `dependsOn` order), follows
 * their containers through engine events and stops them, moving `lastStatus` through ECS's states.
 * All state lives in the repository; this class keeps only in-flight work.
 */
export class TaskRuntime {
  /** Signals a change to any of a task's containers, for `dependsOn` waits. */
  private readonly changes = new EventEmitter();
  private readonly stopping = new Map<string, Promise<void>>();
  private readonly launching = new Map<string, Promise<void>>();
  private closing = false;

  constructor(private readonly options: TaskRuntimeOptions) {
    this.changes.setMaxListeners(0);
  }

  private get backend() {
    return this.options.backend;
  }

  /** Starts launching a PROVISIONING task in the background; state changes land in the repository. */
  launch(ref: TaskRef, definition: TaskDefinition): void {
    const work = this.runLaunch(ref, definition)
      .catch((error: unknown) => {
        this.options.logger.error('task launch failed', { taskArn: ref.taskArn, error: String(error) });
      })
      .finally(() => this.launching.delete(ref.taskArn));
    this.launching.set(ref.taskArn, work);
  }

  /** Asks a task to stop; resolves once it is STOPPED. Idempotent. */
  stop(ref: TaskRef, request: StopRequest): Promise<void> {
    const existing = this.stopping.get(ref.taskArn);
    if (existing) return existing;
    const record = this.options.repository.get(ref);
    if (!record || record.lastStatus === 'STOPPED') return Promise.resolve();
    this.mutate(
      ref,
      (r) => {
        const now = new Date();
        r.desiredStatus = 'STOPPED';
        r.stopCode ??= request.stopCode;
        r.stoppedReason ??= request.reason;
        r.stoppingAt ??= now;
        if (r.lastStatus === 'RUNNING') r.lastStatus = 'DEACTIVATING';
      },
      TASK_ONLY,
    );
    const work = this.runStop(ref)
      .catch((error: unknown) => {
        this.options.logger.error('task stop failed', { taskArn: ref.taskArn, error: String(error) });
      })
      .finally(() => this.stopping.delete(ref.taskArn));
    this.stopping.set(ref.taskArn, work);
    return work;
  }

  /** Whether a launch or stop of this task is in flight in this process. */
  isBusy(ref: TaskRef): boolean {
    return this.launching.has(ref.taskArn) || this.stopping.has(ref.taskArn);
  }

  /**
   * Before shutdown: aborts launches (a `dependsOn` wait would otherwise only end on engine events,
   * which have stopped) and waits for every launch and stop in flight, including stops they start.
   */
  async settle(): Promise<void> {
    this.closing = true;
    for (const taskArn of this.launching.keys()) this.changes.emit(taskArn);
    while (this.launching.size > 0 || this.stopping.size > 0) {
      await Promise.all([...this.launching.values(), ...this.stopping.values()]);
    }
  }

  // ---- container state, from engine events or inspection -------------------------------------

  /** A task container started. */
  containerStarted(ref: TaskRef, name: string): void {
    // The launch records its own starts; the engine's `start` event that follows changes nothing then,
    // so it costs no put (nor a version, a `dependsOn` check or a scheduler wake-up).
    const record = this.options.repository.get(ref);
    const status = record && containerOf(record, name)?.lastStatus;
    if (status === 'RUNNING' || status === 'STOPPED') return;
    this.updateContainer(ref, name, (c) => {
      if (c.lastStatus !== 'STOPPED') c.lastStatus = 'RUNNING';
    });
  }

  /** A running container of a task adopted after a restart: resume what follows it (awslogs). */
  containerAdopted(ref: TaskRef, name: string, runtimeId: string): void {
    this.containerStarted(ref, name);
    this.options.hooks?.resumed(ref, runtimeId, name);
  }

  /**
   * A container of an adopted task that exited while the gateway was down: first pick up the rest of
   * its output (awslogs), which the stop then waits for, then record the exit.
   */
  containerExitedWhileAway(ref: TaskRef, name: string, runtimeId: string, exitCode: number | undefined): void {
    this.options.hooks?.resumed(ref, runtimeId, name);
    this.containerExited(ref, name, exitCode);
  }

  /** A task container exited: record it, and stop the task when it was essential. */
  containerExited(ref: TaskRef, name: string, exitCode: number | undefined, reason?: string): void {
    const record = this.updateContainer(ref, name, (c) => {
      c.lastStatus = 'STOPPED';
      if (exitCode !== undefined) c.exitCode = exitCode;
      if (reason && !c.reason) c.reason = reason;
    });
    if (!record) return;
    const planned = record.runtime?.containers.find((c) => c.name === name);
    if (planned?.essential && record.desiredStatus === 'RUNNING' && record.lastStatus === 'RUNNING') {
      void this.stop(ref, { stopCode: 'EssentialContainerExited', reason: 'Essential container in task exited' });
    }
  }

  containerHealth(ref: TaskRef, name: string, status: 'starting' | 'healthy' | 'unhealthy'): void {
    const health = status === 'healthy' ? 'HEALTHY' : status === 'unhealthy' ? 'UNHEALTHY' : 'UNKNOWN';
    this.updateContainer(ref, name, (c) => {
      c.healthStatus = health;
    });
  }

  // ---- launch ------------------------------------------------------------------------------------

  private async runLaunch(ref: TaskRef, definition: TaskDefinition): Promise<void> {
    const record = this.options.repository.get(ref);
    if (!record) return;
    try {
      const unsupported = unsupportedTaskFeature(definition, record.overrides, this.options.secrets !== undefined);
      if (unsupported) throw new TaskStartError(unsupported);
      const secrets = await this.resolveSecrets(ref, definition);
      this.assertStillWanted(ref);
      const containerEnvironment = this.options.hooks?.prepare(ref, definition);
      const plan = planTask({
        definition,
        overrides: record.overrides,
        task: {
          accountId: ref.accountId,
          region: ref.region,
          clusterArn: record.clusterArn,
          taskArn: ref.taskArn,
          taskId: taskIdOf(ref.taskArn),
          launchType: record.launchType ?? 'FARGATE',
          instanceId: this.options.instanceId,
        },
        config: this.options.config,
        endpointUrl: this.options.config.injectEndpoint ? this.options.endpointUrl() : undefined,
        containerEnvironment,
        secretEnvironment: secrets?.environment,
      });
      this.mutate(ref, (r) => {
        r.runtime = {
          containers: plan.containers.map((c) => ({
            name: c.name,
            dockerName: c.spec.name,
            essential: c.essential,
            dependsOn: c.dependsOn,
            stopTimeoutSeconds: c.stopTimeoutSeconds,
            hasHealthCheck: c.hasHealthCheck,
          })),
          networkHolder: plan.networkHolder ? { name: plan.networkHolder.name } : undefined,
          volumes: plan.volumes,
        };
      });
      await this.options.hooks?.beforeCreate(ref, withLogSecretOptions(definition, secrets));
      // From here on, images are the references pulled (an ECR URI becomes the local registry's).
      // Started now so that its Engine calls overlap the image checks; awaited before anything is created.
      const network = this.readyNetwork(ref, plan);
      network.catch(() => undefined);
      const pulled = await this.pullImages(ref, plan, secrets?.registryLogins ?? {});
      // The record naming the containers is durable before they exist, so a restart finds them.
      await this.options.repository.durable();
      const wired = await this.prepareTaskResources(ref, pulled, network);
      await this.createContainers(ref, wired);
      await this.startContainers(ref, wired);
      // Stored with RUNNING, in one put, so a running task always shows its address and host ports, as in ECS.
      const bindings = await this.readBindings(ref, wired).catch((error: unknown) => {
        // The task runs; a failed look at its ports must not fail it.
        this.options.logger.warn('could not read network bindings', { taskArn: ref.taskArn, error: message(error) });
        return undefined;
      });
      this.mutate(ref, (r) => {
        bindings?.(r);
        if (r.desiredStatus !== 'RUNNING' || r.lastStatus === 'STOPPED') return;
        r.lastStatus = 'RUNNING';
        r.startedAt = new Date();
      });
      // An essential container that exited while the others were starting stops the task now.
      const current = this.options.repository.get(ref);
      const exited = current?.runtime?.containers.find(
        (c) => c.essential && containerOf(current, c.name)?.lastStatus === 'STOPPED',
      );
      if (exited)
        void this.stop(ref, { stopCode: 'EssentialContainerExited', reason: 'Essential container in task exited' });
    } catch (error) {
      if (error instanceof LaunchAborted) return;
      this.failToStart(ref, error);
    }
  }

  /** The task's secrets, resolved as the ECS agent does before it pulls; a missing one fails the task. */
  private async resolveSecrets(ref: TaskRef, definition: TaskDefinition): Promise<ResolvedSecrets | undefined> {
    if (!this.options.secrets || !TaskSecrets.wanted(definition)) return undefined;
    try {
      return await this.options.secrets.resolve(
        { accountId: ref.accountId, region: ref.region, taskArn: ref.taskArn },
        definition,
      );
    } catch (error) {
      if (error instanceof SecretsUnavailableError) throw new TaskStartError(error.message, error.containerName);
      throw error;
    }
  }

  private async pullImages(
    ref: TaskRef,
    plan: TaskPlan,
    registryLogins: Readonly<Record<string, RegistryLogin>>,
  ): Promise<TaskPlan> {
    this.mutate(ref, (r) => {
      r.lastStatus = 'PENDING';
      r.pullStartedAt = new Date();
    });
    const images = [
      ...new Set([
        ...plan.containers.map((c) => c.spec.image),
        ...(plan.networkHolder ? [plan.networkHolder.image] : []),
      ]),
    ];
    // The built-in holder image is made locally, never pulled.
    const builtInHolder = plan.networkHolder && !this.options.config.networkHolderImage ? plan.networkHolder.image : '';
    // An image some container pulls with `repositoryCredentials`: the login goes with that image's pull.
    const logins = new Map<string, RegistryLogin>();
    for (const c of plan.containers) {
      const login = registryLogins[c.name];
      if (login) logins.set(c.spec.image, login);
    }
    const resolved = new Map<string, ResolvedImage>();
    const progress = (image: string) => (p: PullProgress) =>
      this.options.logger.debug('pulling image', { image, status: p.status, progress: p.progress });
    const results = await Promise.allSettled(
      images.map(async (image) => {
        if (image === builtInHolder) return this.backend.ensurePauseImage(image);
        const source = await this.options.images?.resolve(ref, image);
        const login = logins.get(image);
        if (!source && login) {
          // A private registry's image is pulled every time with its login, as the agent does: a tag may move.
          await this.backend.pullImage(image, progress(image), { ...login, serveraddress: registryHostOf(image) });
          return this.backend.inspectImage(image);
        }
        if (!source) return this.backend.ensureImage(image, progress(image));
        resolved.set(image, source);
        // A registry image is pulled every time, as the ECS agent's default pull behaviour does: a tag may move.
        await this.backend.pullImage(source.ref, progress(image), source.auth);
        return this.backend.inspectImage(source.ref);
      }),
    );
    const pulled = new Map<string, ImageInfo>();
    const failed = new Map<string, string>();
    results.forEach((result, i) => {
      const image = images[i]!;
      if (result.status === 'fulfilled') pulled.set(image, result.value);
      else if (image === builtInHolder)
        failed.set(
          image,
          `ResourceInitializationError: could not create the network holder image ${image}: ${message(result.reason)}`,
        );
      else
        failed.set(
          image,
          `CannotPullContainerError: pull image manifest has failed for ${image}: ${message(result.reason)}`,
        );
    });
    this.mutate(ref, (r) => {
      r.pullStoppedAt = new Date();
      for (const planned of plan.containers) {
        const container = containerOf(r, planned.name);
        const image = pulled.get(planned.spec.image);
        if (container && image) container.imageDigest = resolved.get(planned.spec.image)?.digest ?? digestOf(image);
        if (container && failed.has(planned.spec.image)) container.reason = failed.get(planned.spec.image);
      }
    });
    const firstFailure = failed.values().next();
    if (!firstFailure.done) throw new TaskStartError(firstFailure.value);
    this.assertStillWanted(ref);
    if (resolved.size === 0) return plan;
    const local = (image: string) => resolved.get(image)?.ref ?? image;
    return {
      ...plan,
      containers: plan.containers.map((c) => ({ ...c, spec: { ...c.spec, image: local(c.spec.image) } })),
    };
  }

  /**
   * The task's Docker network exists and the task endpoints listen on it; returns the DNS servers the
   * containers get, if any.
   */
  private async readyNetwork(ref: TaskRef, plan: TaskPlan): Promise<readonly string[] | void> {
    if (this.options.config.dockerNetwork) await this.backend.ensureNetwork(this.options.config.dockerNetwork);
    if (plan.networkMode === 'bridge' || plan.networkMode === 'awsvpc') {
      return this.options.hooks?.networkReady(ref, this.options.config.dockerNetwork ?? 'bridge');
    }
  }

  /** Network, volumes and the network holder; returns the plan with the containers' DNS servers set. */
  private async prepareTaskResources(
    ref: TaskRef,
    planned: TaskPlan,
    network: Promise<readonly string[] | void>,
  ): Promise<TaskPlan> {
    this.mutate(ref, (r) => {
      r.lastStatus = 'ACTIVATING';
    });
    const dns = await network;
    const plan = dns && dns.length > 0 ? withDns(planned, dns) : planned;
    for (const volume of plan.volumes) {
      await this.backend.createVolume({
        name: volume.name,
        driver: volume.driver,
        driverOpts: volume.driverOpts,
        labels: volume.labels,
      });
    }
    if (plan.networkHolder) {
      const holder = plan.networkHolder;
      const record = (id: string) =>
        this.mutate(ref, (r) => {
          r.runtime!.networkHolder = { name: holder.name, runtimeId: id };
        });
      const created = await this.createOrFail(holder);
      record(created);
      const id = await this.startTaskAddress(holder, created, record);
      await this.options.hooks?.started(ref, id);
    }
    this.mutate(ref, (r) => {
      r.connectivity = 'CONNECTED';
      r.connectivityAt = new Date();
    });
    this.assertStillWanted(ref);
    return plan;
  }

  private async createContainers(ref: TaskRef, plan: TaskPlan): Promise<void> {
    for (const planned of creationOrder(plan.containers)) {
      this.recordContainerId(ref, planned.name, await this.createOrFail(planned.spec));
    }
    this.assertStillWanted(ref);
  }

  private recordContainerId(ref: TaskRef, name: string, id: string): void {
    this.mutate(ref, (r) => {
      const runtime = r.runtime!.containers.find((c) => c.name === name);
      if (runtime) runtime.runtimeId = id;
      const container = containerOf(r, name);
      if (container) container.runtimeId = id;
    });
  }

  /** Starts every container once its `dependsOn` conditions hold; independent ones start together. */
  private async startContainers(ref: TaskRef, plan: TaskPlan): Promise<void> {
    // allSettled: a failure must not let the stop begin while other containers are still starting.
    const results = await Promise.allSettled(
      plan.containers.map(async (planned) => {
        await this.waitForDependencies(ref, planned);
        this.assertStillWanted(ref);
        const created = this.options.repository
          .get(ref)
          ?.runtime?.containers.find((c) => c.name === planned.name)?.runtimeId;
        await this.options.hooks?.beforeStart?.(ref, created!, planned.name).catch(() => undefined);
        // A single-container awsvpc task's container owns the task's address itself.
        const id =
          plan.networkMode === 'awsvpc' && !plan.networkHolder
            ? await this.startTaskAddress(
                planned.spec,
                created!,
                (recreated) => this.recordContainerId(ref, planned.name, recreated),
                planned.name,
              )
            : await this.startOrFail(created!, planned.name).then(() => created!);
        await this.options.hooks?.started(ref, id, planned.name);
        this.containerStarted(ref, planned.name);
      }),
    );
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
  }

  private waitForDependencies(ref: TaskRef, planned: PlannedContainer): Promise<void> {
    if (planned.dependsOn.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        const record = this.options.repository.get(ref);
        if (!record || record.desiredStatus !== 'RUNNING' || this.closing) return finish(new LaunchAborted());
        try {
          if (planned.dependsOn.every((d) => dependencyMet(record, d.containerName, d.condition, planned.name)))
            finish();
        } catch (error) {
          finish(error as Error);
        }
      };
      const finish = (error?: Error) => {
        this.changes.off(ref.taskArn, check);
        if (error) reject(error);
        else resolve();
      };
      this.changes.on(ref.taskArn, check);
      check();
    });
  }

  private async createOrFail(spec: Parameters<ContainerBackend['createContainer']>[0]): Promise<string> {
    try {
      return await this.backend.createContainer(spec);
    } catch (error) {
      throw new TaskStartError(`CannotCreateContainerError: ${message(error)}`);
    }
  }

  private async startOrFail(id: string, containerName?: string): Promise<void> {
    try {
      await this.backend.startContainer(id);
    } catch (error) {
      throw new TaskStartError(`CannotStartContainerError: ${message(error)}`, containerName);
    }
  }

  /**
   * Starts the container that owns an awsvpc task's address (its holder, or its only container). Each
   * port mapping is published on the host port equal to its containerPort when that is free; when it
   * is taken (by another task of the service, say) the engine picks a free one instead, so tasks never
   * collide, as each Fargate task has a network interface of its own. Publishing is fixed at create
   * time, so the container is created again for that: `recreated` records each new id. Returns the id
   * that runs.
   */
  private async startTaskAddress(
    spec: ContainerSpec & { readonly name: string },
    id: string,
    recreated: (id: string) => void,
    containerName?: string,
  ): Promise<string> {
    let current = { spec, id };
    for (;;) {
      try {
        await this.backend.startContainer(current.id);
        return current.id;
      } catch (error) {
        const next = error instanceof PortInUseError ? withFreeHostPort(current.spec, error.hostPort) : undefined;
        if (!next) throw new TaskStartError(`CannotStartContainerError: ${message(error)}`, containerName);
        this.options.logger.debug('host port taken; letting the engine pick one', {
          container: spec.name,
          hostPort: error instanceof PortInUseError ? error.hostPort : undefined,
        });
        // Anonymous volumes only: the task's named volumes stay.
        await this.backend.removeContainer(current.id, { force: true, removeVolumes: true });
        current = { spec: next, id: await this.createOrFail(next) };
        recreated(current.id);
      }
    }
  }

  /**
   * Reads host port bindings and addresses once the containers run; returns the change that records
   * them, for the caller to store with the task's next status.
   */
  private async readBindings(ref: TaskRef, plan: TaskPlan): Promise<((record: TaskRecord) => void) | undefined> {
    const record = this.options.repository.get(ref);
    if (!record?.runtime) return undefined;
    // Without port mappings or a task address there is nothing to read: spare the hot path the inspects.
    const wanted = plan.networkMode === 'awsvpc' || plan.containers.some((c) => c.containerPorts.length > 0);
    const holderId = record.runtime.networkHolder?.runtimeId;
    const holder = wanted && holderId ? await this.inspectOrUndefined(holderId) : undefined;
    const infos = await Promise.all(
      plan.containers.map((planned) => {
        if (!wanted || holder) return holder;
        const runtimeId = record.runtime!.containers.find((c) => c.name === planned.name)?.runtimeId;
        return runtimeId ? this.inspectOrUndefined(runtimeId) : undefined;
      }),
    );
    const updates = new Map<string, { bindings: NetworkBinding[]; ip?: string; mac?: string }>();
    for (const [i, planned] of plan.containers.entries()) {
      if (!wanted) {
        updates.set(planned.name, { bindings: [] });
        continue;
      }
      // In a shared namespace the holder publishes every port; each container reports its own.
      const info = infos[i];
      if (!info) continue;
      const own = new Set(planned.containerPorts);
      updates.set(planned.name, {
        bindings: info.ports
          .filter((p) => own.has(p.containerPort))
          .map((p) => ({
            bindIP: p.hostIp || '0.0.0.0',
            containerPort: p.containerPort,
            hostPort: p.hostPort,
            protocol: p.protocol,
          })),
        ip: info.networks[0]?.ipAddress || undefined,
        mac: info.networks[0]?.macAddress || undefined,
      });
    }
    return (r) => {
      for (const [name, update] of updates) {
        const container = containerOf(r, name);
        if (!container) continue;
        container.networkBindings = update.bindings;
        if (plan.networkMode === 'awsvpc' && update.ip) {
          container.networkInterfaces = [{ attachmentId: r.attachments?.[0]?.id, privateIpv4Address: update.ip }];
        }
      }
      // The task's address on its Docker network is what its ENI would have: IP and MAC address.
      const address = [...updates.values()].find((u) => u.ip);
      const eni = r.attachments?.find((a) => a.type === 'ElasticNetworkInterface');
      if (eni && address) {
        const known = { ...(address.mac ? { macAddress: address.mac } : {}), privateIPv4Address: address.ip! };
        eni.status = 'ATTACHED';
        eni.details = [
          ...(eni.details ?? []).filter((d) => !(d.name! in known)),
          ...Object.entries(known).map(([name, value]) => ({ name, value })),
        ];
      }
    };
  }

  private failToStart(ref: TaskRef, error: unknown): void {
    const reason =
      error instanceof TaskStartError || error instanceof DependencyFailed
        ? error.message
        : `ResourceInitializationError: ${message(error)}`;
    const containerName = error instanceof TaskStartError ? error.containerName : undefined;
    this.mutate(ref, (r) => {
      const failed = containerName ? containerOf(r, containerName) : undefined;
      if (failed) failed.reason ??= reason;
      // A stop asked for earlier (StopTask) keeps its own code and reason.
      r.stopCode ??= 'TaskFailedToStart';
      r.stoppedReason ??= reason;
    });
    // Not awaited: the stop waits for this launch to wind down first.
    void this.stop(ref, { stopCode: 'TaskFailedToStart', reason });
  }

  private assertStillWanted(ref: TaskRef): void {
    if (this.closing || this.options.repository.get(ref)?.desiredStatus !== 'RUNNING') throw new LaunchAborted();
  }

  // ---- stop ------------------------------------------------------------------------------------

  private async runStop(ref: TaskRef): Promise<void> {
    // A launch in flight notices desiredStatus STOPPED at its next step; let it wind down first so
    // no container is created after we stopped the others.
    await this.launching.get(ref.taskArn)?.catch(() => undefined);
    await this.options.beforeStopping?.(ref).catch((error: unknown) => {
      this.options.logger.warn('before stopping a task', { taskArn: ref.taskArn, error: String(error) });
    });
    this.mutate(
      ref,
      (r) => {
        r.lastStatus = 'STOPPING';
      },
      TASK_ONLY,
    );
    const record = this.options.repository.get(ref);
    const runtime = record?.runtime;
    if (runtime) {
      for (const wave of stopWaves(runtime.containers)) {
        await Promise.all(
          wave
            .filter((c) => c.runtimeId)
            .map((c) => this.stopAndRecord(ref, c.name, c.runtimeId!, c.stopTimeoutSeconds)),
        );
      }
      this.mutate(
        ref,
        (r) => {
          r.lastStatus = 'DEPROVISIONING';
          r.executionStoppedAt = new Date();
          r.connectivity = 'DISCONNECTED';
          for (const container of r.containers ?? []) container.lastStatus = 'STOPPED';
          for (const attachment of r.attachments ?? []) attachment.status = 'DELETED';
        },
        { containers: true, attachments: true },
      );
      // Every log line is delivered before the task shows STOPPED, and read before the containers
      // are removed: the engine's follow can end early, and the rest is re-read from the finished log.
      await this.options.hooks?.beforeStopped(ref);
      const holderId = runtime.networkHolder?.runtimeId;
      if (holderId) await this.ignoreGone(() => this.backend.stopContainer(holderId, 1));
      if (this.options.config.removeContainers) await this.removeDockerResources(record!);
    } else {
      this.mutate(
        ref,
        (r) => {
          r.executionStoppedAt = new Date();
          for (const container of r.containers ?? []) container.lastStatus = 'STOPPED';
        },
        CONTAINERS,
      );
      await this.options.hooks?.beforeStopped(ref);
    }
    this.mutate(
      ref,
      (r) => {
        r.lastStatus = 'STOPPED';
        r.stoppedAt = new Date();
      },
      TASK_ONLY,
    );
  }

  private async stopAndRecord(ref: TaskRef, name: string, id: string, timeoutSeconds: number): Promise<void> {
    await this.ignoreGone(() => this.backend.stopContainer(id, timeoutSeconds));
    const info = await this.inspectOrUndefined(id);
    const exitCode = info && !info.state.running && info.state.startedAt ? info.state.exitCode : undefined;
    this.updateContainer(ref, name, (c) => {
      c.lastStatus = 'STOPPED';
      if (exitCode !== undefined && c.exitCode === undefined) c.exitCode = exitCode;
    });
  }

  async removeDockerResources(record: TaskRecord): Promise<void> {
    const runtime = record.runtime;
    if (!runtime) return;
    const ids = [...runtime.containers.map((c) => c.runtimeId), runtime.networkHolder?.runtimeId].filter(
      (id): id is string => !!id,
    );
    for (const id of ids)
      await this.ignoreGone(() => this.backend.removeContainer(id, { force: true, removeVolumes: true }));
    for (const volume of runtime.volumes.filter((v) => v.scope === 'task')) {
      await this.ignoreGone(() => this.backend.removeVolume(volume.name));
    }
  }

  // ---- helpers -----------------------------------------------------------------------------------

  private async inspectOrUndefined(id: string): Promise<ContainerInfo | undefined> {
    try {
      return await this.backend.inspectContainer(id);
    } catch (error) {
      if (error instanceof ContainerNotFoundError) return undefined;
      throw error;
    }
  }

  private async ignoreGone(action: () => Promise<void>): Promise<void> {
    try {
      await action();
    } catch (error) {
      if (!(error instanceof ContainerNotFoundError)) {
        this.options.logger.warn('docker clean-up step failed', { error: message(error) });
      }
    }
  }

  /**
   * Applies a change to a copy of the stored task and stores it, then wakes `dependsOn` waiters. The
   * change may edit the task, and those of its containers, attachments and runtime plan that `parts`
   * names (all unless told; see `editableTask`): a change that edits a part not named throws.
   */
  mutate(ref: TaskRef, change: (record: TaskRecord) => void, parts: EditableParts = ALL_PARTS): TaskRecord | undefined {
    const current = this.options.repository.get(ref);
    if (!current) return undefined;
    const next = editableTask(current, parts);
    change(next);
    next.healthStatus = taskHealth(next);
    // ECS counts every change of a task in its version.
    next.version = (current.version ?? 0) + 1;
    this.options.repository.put(next);
    this.changes.emit(ref.taskArn);
    this.options.onTaskChanged?.(ref);
    return next;
  }

  /**
   * A change of one container. One that changes nothing (the stop recording an exit the engine's `die`
   * event already recorded, or the other way round; a health the container already shows) stores nothing
   * and counts no version: no reader could tell it from the task before it. The change is made once, to a
   * copy of the stored container, which then takes that container's place.
   */
  private updateContainer(ref: TaskRef, name: string, change: (container: Container) => void): TaskRecord | undefined {
    const current = this.options.repository.get(ref);
    if (!current) return undefined;
    const at = current.containers?.findIndex((c) => c.name === name) ?? -1;
    if (at < 0) return current;
    const stored = current.containers![at]!;
    const changed = { ...stored };
    change(changed);
    if (sameMembers(stored, changed)) return current;
    return this.mutate(
      ref,
      (r) => {
        r.containers![at] = changed;
      },
      CONTAINERS,
    );
  }
}

/**
 * The spec with the taken host port (every fixed one when the engine did not say which) left to the
 * engine; undefined when no fixed port is left to give up.
 */
function withFreeHostPort<T extends ContainerSpec>(spec: T, hostPort: number | undefined): T | undefined {
  const ports = spec.ports ?? [];
  const named = hostPort !== undefined && ports.some((p) => p.hostPort === hostPort);
  const release = (port: NonNullable<ContainerSpec['ports']>[number]) =>
    port.hostPort !== undefined && (!named || port.hostPort === hostPort);
  if (!ports.some(release)) return undefined;
  return { ...spec, ports: ports.map((port) => (release(port) ? { ...port, hostPort: undefined } : port)) };
}

/** A task that could not start, with ECS's reason (`CannotPullContainerError: …`). */
/**
 * The definition as the log driver sees it: `secretOptions` resolved into its options. Only handed to the
 * hooks at start (the awslogs checks); the stored agent state keeps the definition's own options.
 */
function withLogSecretOptions(definition: TaskDefinition, secrets: ResolvedSecrets | undefined): TaskDefinition {
  if (!secrets || Object.keys(secrets.logOptions).length === 0) return definition;
  return {
    ...definition,
    containerDefinitions: definition.containerDefinitions?.map((c) => {
      const resolved = secrets.logOptions[c.name!];
      return resolved && c.logConfiguration
        ? { ...c, logConfiguration: { ...c.logConfiguration, options: { ...c.logConfiguration.options, ...resolved } } }
        : c;
    }),
  };
}

export class TaskStartError extends Error {
  constructor(
    message: string,
    readonly containerName?: string,
  ) {
    super(message);
  }
}

/** Whether `dependsOn` of `dependent` on `dependency` holds; throws when it never can. */
function dependencyMet(record: TaskRecord, dependency: string, condition: string, dependent: string): boolean {
  const container = containerOf(record, dependency);
  if (!container) return true;
  const stopped = container.lastStatus === 'STOPPED';
  switch (condition) {
    case 'START':
      return container.lastStatus === 'RUNNING' || stopped;
    case 'COMPLETE':
      return stopped;
    case 'SUCCESS':
      if (stopped && container.exitCode !== 0) {
        throw new DependencyFailed(
          `DependencyError: container ${dependent} depends on ${dependency} with condition SUCCESS, but ${dependency} exited with code ${container.exitCode}`,
        );
      }
      return stopped;
    case 'HEALTHY':
      if (!record.runtime?.containers.find((c) => c.name === dependency)?.hasHealthCheck) {
        // ECS requires a health check on the dependency; without one HEALTHY would never come.
        throw new DependencyFailed(
          `DependencyError: container ${dependent} depends on ${dependency} with condition HEALTHY, but ${dependency} has no health check`,
        );
      }
      if (stopped || container.healthStatus === 'UNHEALTHY') {
        throw new DependencyFailed(
          `DependencyError: container ${dependent} depends on ${dependency} with condition HEALTHY, but ${dependency} ${stopped ? 'exited' : 'is unhealthy'}`,
        );
      }
      return container.healthStatus === 'HEALTHY';
    default:
      return true;
  }
}

/** `volumesFrom` needs its source container to exist: sources are created first, whatever their order. */
function creationOrder<T extends { name: string; volumesFromNames: readonly string[] }>(containers: readonly T[]): T[] {
  const ordered: T[] = [];
  const visit = (container: T, path: Set<string>) => {
    if (ordered.includes(container) || path.has(container.name)) return;
    path.add(container.name);
    for (const source of container.volumesFromNames) {
      const found = containers.find((c) => c.name === source);
      if (found) visit(found, path);
    }
    ordered.push(container);
  };
  containers.forEach((container) => visit(container, new Set()));
  return ordered;
}

/** Dependents stop before what they depend on, as ECS stops containers in reverse `dependsOn` order. */
function stopWaves<T extends { name: string; dependsOn: readonly { containerName: string }[] }>(
  containers: readonly T[],
): T[][] {
  const remaining = new Set(containers.map((c) => c.name));
  const waves: T[][] = [];
  while (remaining.size > 0) {
    const wave = containers.filter(
      (c) =>
        remaining.has(c.name) &&
        !containers.some(
          (other) => remaining.has(other.name) && other.dependsOn.some((d) => d.containerName === c.name),
        ),
    );
    // A dependency cycle cannot be registered, but never loop forever on stored data.
    const next = wave.length > 0 ? wave : containers.filter((c) => remaining.has(c.name));
    next.forEach((c) => remaining.delete(c.name));
    waves.push(next);
  }
  return waves;
}

/** ECS's task health: UNHEALTHY if an essential container is, HEALTHY if all essential checked ones are. */
function taskHealth(record: TaskRecord): TaskRecord['healthStatus'] {
  const essential = new Set(
    record.runtime?.containers.filter((c) => c.essential && c.hasHealthCheck).map((c) => c.name),
  );
  const checked = (record.containers ?? []).filter((c) => essential.has(c.name!));
  if (checked.length === 0) return 'UNKNOWN';
  if (checked.some((c) => c.healthStatus === 'UNHEALTHY')) return 'UNHEALTHY';
  if (checked.every((c) => c.healthStatus === 'HEALTHY')) return 'HEALTHY';
  return 'UNKNOWN';
}

function digestOf(image: ImageInfo): string {
  const digest = image.repoDigests[0]?.split('@')[1];
  return digest ?? image.id;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The plan with `dns` as the DNS servers of every container that has a network of its own (Docker refuses
 * them for `container:` mode, which shares the holder's resolver configuration).
 */
function withDns(plan: TaskPlan, dns: readonly string[]): TaskPlan {
  const set = <T extends ContainerSpec>(spec: T): T =>
    spec.networkMode?.startsWith('container:') ? spec : { ...spec, dns: [...dns] };
  return {
    ...plan,
    networkHolder: plan.networkHolder && set(plan.networkHolder),
    containers: plan.containers.map((c) => ({ ...c, spec: set(c.spec) })),
  };
}
