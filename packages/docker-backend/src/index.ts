export type * from './container-backend';
export { isLineCountMark } from './container-backend';
export { DockerodeBackend, MAX_API_VERSION, type DockerodeBackendOptions } from './dockerode-backend';
export { PAUSE_IMAGE, PAUSE_IMAGE_LABEL } from './pause-image/pause-image';
export { InMemoryBackend, type InMemoryBackendOptions, type ContainerScript } from './in-memory-backend';
export {
  ContainerBackendError,
  EngineUnavailableError,
  ImageNotFoundError,
  NameConflictError,
  ContainerNotFoundError,
  ContainerNotRunningError,
  NetworkNotFoundError,
  PortInUseError,
} from './errors';
