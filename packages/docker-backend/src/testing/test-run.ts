import { randomBytes } from 'node:crypto';
import type { ContainerBackend } from '../container-backend';

/** The image the test suites run: `bash scripts/build-test-images.sh` builds it, no registry needed. */
export const TEST_IMAGE = 'localcloud-test/busybox:latest';

/** Label on every container a test run creates, so the run can find (and remove) exactly its own. */
export const TEST_RUN_LABEL = 'localcloud.test-run';

/**
 * Names and labels unique to one test file's run, and the cleanup of what it created. Other suites
 * share the engine concurrently: remove only what this run made, never prune.
 */
export class TestRun {
  readonly id = `lct-${process.pid.toString(36)}-${randomBytes(3).toString('hex')}`;
  private readonly networks = new Set<string>();
  private readonly volumes = new Set<string>();

  /** A container, network or volume name no other run uses. */
  name(suffix: string): string {
    return `${this.id}-${suffix}`;
  }

  labels(extra: Readonly<Record<string, string>> = {}): Record<string, string> {
    return { ...extra, [TEST_RUN_LABEL]: this.id };
  }

  /** Records a network to remove on cleanup; returns its name. */
  network(suffix: string): string {
    const name = this.name(suffix);
    this.networks.add(name);
    return name;
  }

  /** Records a volume to remove on cleanup; returns its name. */
  volume(suffix: string): string {
    const name = this.name(suffix);
    this.volumes.add(name);
    return name;
  }

  /** Removes this run's containers (found by label), then its networks and volumes. */
  async cleanup(backend: ContainerBackend): Promise<void> {
    const containers = await backend.listContainers({ all: true, labels: { [TEST_RUN_LABEL]: this.id } });
    await Promise.all(
      containers.map((container) => backend.removeContainer(container.id, { force: true, removeVolumes: true })),
    );
    await Promise.all([...this.networks].map((name) => backend.removeNetwork(name)));
    await Promise.all([...this.volumes].map((name) => backend.removeVolume(name)));
  }
}
