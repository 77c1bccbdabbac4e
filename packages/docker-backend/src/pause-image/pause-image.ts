import { createHash } from 'node:crypto';
import { ContainerBackendError } from '../errors';
import { pauseProgram, type PauseArchitecture } from './pause-program';
import { tarArchive } from './tar';

/*
 * The image that holds a task's network namespace, made locally from bytes in this package, as the ECS
 * agent ships its pause image inside the agent: tasks never need a registry for it.
 */

const ARCHITECTURES: readonly PauseArchitecture[] = ['amd64', 'arm64'];

/** Label on the image, so it can be told apart from anything a user pulled. */
export const PAUSE_IMAGE_LABEL = 'localcloud.image';

/** Tagged by the programs' content: a changed program is a new image, never a stale one reused. */
export const PAUSE_IMAGE = `localcloud/pause:${createHash('sha256')
  .update(Buffer.concat(ARCHITECTURES.map(pauseProgram)))
  .digest('hex')
  .slice(0, 12)}`;

/** Dockerfile instructions the import applies (`CMD`, `LABEL`). */
export const PAUSE_IMAGE_CHANGES = ['CMD ["/pause"]', `LABEL ${PAUSE_IMAGE_LABEL}=pause`];

/** The image's root filesystem as a tar, for the engine's architecture (`docker version`'s `Arch`). */
export function pauseImageRootfs(engineArch: string): Buffer {
  const arch = ARCHITECTURES.find((known) => known === engineArch);
  if (!arch) {
    throw new ContainerBackendError(
      `No built-in network holder for engine architecture '${engineArch}' (only ${ARCHITECTURES.join(', ')}); set ECS_NETWORK_HOLDER_IMAGE.`,
    );
  }
  return tarArchive([{ path: 'pause', mode: 0o755, content: pauseProgram(arch) }]);
}
