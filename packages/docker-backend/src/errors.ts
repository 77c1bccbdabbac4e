/** Anything that went wrong talking to the container engine. */
export class ContainerBackendError extends Error {
  constructor(
    message: string,
    /** The engine's HTTP status, when it answered. */
    readonly statusCode?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The engine does not answer: socket missing, connection refused or dropped. */
export class EngineUnavailableError extends ContainerBackendError {}

/** The image is not present locally (and, from `pullImage`/`ensureImage`, could not be pulled). */
export class ImageNotFoundError extends ContainerBackendError {
  constructor(
    readonly image: string,
    /** The engine's own words, e.g. why the pull failed: ECS quotes it in `CannotPullContainerError`. */
    message: string,
    statusCode?: number,
    options?: { cause?: unknown },
  ) {
    super(message, statusCode, options);
  }
}

/** A container with the requested name already exists. */
export class NameConflictError extends ContainerBackendError {}

export class ContainerNotFoundError extends ContainerBackendError {}

/** The operation needs a running container (e.g. kill). */
export class ContainerNotRunningError extends ContainerBackendError {}

export class NetworkNotFoundError extends ContainerBackendError {}

/** A container could not start because a host port it publishes is taken (by a container or any process). */
export class PortInUseError extends ContainerBackendError {
  constructor(
    message: string,
    /** The taken port, when the engine names it. */
    readonly hostPort: number | undefined,
    statusCode?: number,
    options?: { cause?: unknown },
  ) {
    super(message, statusCode, options);
  }
}

/** What a failed call was about, to classify answers whose message alone is ambiguous. */
export interface ErrorTarget {
  readonly kind?: 'container' | 'image' | 'network' | 'volume';
  readonly ref?: string;
  /** Description of the engine endpoint, for connection errors. */
  readonly endpoint?: string;
}

const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOENT',
  'EACCES',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

interface EngineErrorShape {
  code?: string;
  statusCode?: number;
  json?: unknown;
  message?: string;
  name?: string;
}

/**
 * The one place client errors become backend errors. Engine answers are classified by status and by
 * the engine's message, since one status (404) covers several kinds of missing things.
 */
export function toBackendError(error: unknown, target: ErrorTarget = {}): Error {
  if (error instanceof ContainerBackendError) return error;
  const shape = (typeof error === 'object' && error !== null ? error : {}) as EngineErrorShape;
  // Cancellation is the caller's own doing: let it through as is so it stays recognisable.
  if (shape.name === 'AbortError') return error as Error;

  if (shape.code && CONNECTION_ERROR_CODES.has(shape.code)) {
    const where = target.endpoint ? ` at ${target.endpoint}` : '';
    return new EngineUnavailableError(
      `Cannot connect to the Docker engine${where}: ${shape.message ?? shape.code}`,
      undefined,
      {
        cause: error,
      },
    );
  }

  const statusCode = shape.statusCode;
  const message = engineMessage(shape);
  const options = { cause: error };
  if (statusCode === 404) {
    const missingImage = /no such image: (\S+)/i.exec(message)?.[1];
    if (missingImage || (target.kind === 'image' && !/container|network/i.test(message))) {
      return new ImageNotFoundError(missingImage ?? target.ref ?? '', message, statusCode, options);
    }
    if (/^network .* not found/i.test(message) || target.kind === 'network') {
      return new NetworkNotFoundError(message, statusCode, options);
    }
    if (/no such container/i.test(message) || target.kind === 'container') {
      return new ContainerNotFoundError(message, statusCode, options);
    }
  }
  if (statusCode === 409) {
    if (/is already in use/i.test(message)) return new NameConflictError(message, statusCode, options);
    if (/is not running/i.test(message)) return new ContainerNotRunningError(message, statusCode, options);
  }
  if (/port is already allocated|address already in use/i.test(message)) {
    // "Bind for 0.0.0.0:8080 failed: port is already allocated" (another container) or
    // "Error starting userland proxy: listen tcp4 0.0.0.0:8080: bind: address already in use" (a process).
    const port = /(?:Bind for|listen \S+) \S*:(\d+)(?: failed)?:/.exec(message)?.[1];
    return new PortInUseError(message, port ? Number(port) : undefined, statusCode, options);
  }
  return new ContainerBackendError(message, statusCode, options);
}

/** The engine's own message (`{"message": …}`) rather than the client's decorated one. */
function engineMessage(shape: EngineErrorShape): string {
  const json = shape.json;
  if (typeof json === 'object' && json !== null && typeof (json as { message?: unknown }).message === 'string') {
    return (json as { message: string }).message;
  }
  if (Buffer.isBuffer(json) && json.length > 0) return json.toString('utf8').trim();
  if (typeof json === 'string' && json.length > 0) return json.trim();
  // Streamed requests (pull, logs, events) only carry the engine's words inside the client's message.
  const message = shape.message ?? String(shape);
  return /^\(HTTP code \d+\) .*? - ([\s\S]*?)\s*$/.exec(message)?.[1] ?? message;
}
