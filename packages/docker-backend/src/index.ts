export type * from './container-backend';
export { DockerodeBackend, MAX_API_VERSION, type DockerodeBackendOptions } from './dockerode-backend';
export { InMemoryBackend, type InMemoryBackendOptions, type ContainerScript } from './in-memory-backend';
export {
  ContainerBackendError,
  EngineUnavailableError,
  ImageNotFoundError,
  NameConflictError,
  ContainerNotFoundError,
  ContainerNotRunningError,
  NetworkNotFoundError,
} from './errors';
