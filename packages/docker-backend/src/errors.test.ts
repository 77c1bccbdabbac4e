import {
  ContainerBackendError,
  ContainerNotFoundError,
  ContainerNotRunningError,
  EngineUnavailableError,
  ImageNotFoundError,
  NameConflictError,
  NetworkNotFoundError,
  PortInUseError,
  toBackendError,
} from './errors';

/** An error shaped like docker-modem's for an engine answer. */
function engineError(statusCode: number, message: string): Error {
  return Object.assign(new Error(`(HTTP code ${statusCode}) unexpected - ${message} `), {
    statusCode,
    json: { message },
  });
}

describe('toBackendError', () => {
  test.each(['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EACCES'])(
    '%s on the socket means the engine is unavailable',
    (code) => {
      const cause = Object.assign(new Error(`connect ${code} /var/run/docker.sock`), { code });
      const error = toBackendError(cause, { endpoint: 'unix:///var/run/docker.sock' });
      expect(error).toBeInstanceOf(EngineUnavailableError);
      expect(error.message).toBe(
        `Cannot connect to the Docker engine at unix:///var/run/docker.sock: connect ${code} /var/run/docker.sock`,
      );
      expect(error.cause).toBe(cause);
    },
  );

  test('keeps the engine message, not the client decoration', () => {
    const error = toBackendError(engineError(500, 'something broke'));
    expect(error).toBeInstanceOf(ContainerBackendError);
    expect(error.message).toBe('something broke');
    expect((error as ContainerBackendError).statusCode).toBe(500);
  });

  test('finds the engine message inside the client message of a streamed request', () => {
    const cause = Object.assign(new Error('(HTTP code 500) server error - Get "https://registry/v2/": no such host '), {
      statusCode: 500,
    });
    expect(toBackendError(cause).message).toBe('Get "https://registry/v2/": no such host');
  });

  test('classifies 404s by what is missing', () => {
    expect(toBackendError(engineError(404, 'No such container: abc'))).toBeInstanceOf(ContainerNotFoundError);
    expect(toBackendError(engineError(404, 'network lc-net not found'))).toBeInstanceOf(NetworkNotFoundError);
    const image = toBackendError(engineError(404, 'No such image: x/y:1'), { kind: 'container' });
    expect(image).toBeInstanceOf(ImageNotFoundError);
    expect((image as ImageNotFoundError).image).toBe('x/y:1');
    expect(toBackendError(engineError(404, 'whatever'), { kind: 'image', ref: 'a:1' })).toBeInstanceOf(
      ImageNotFoundError,
    );
    expect(toBackendError(engineError(404, 'get v: no such volume'), { kind: 'volume' })).not.toBeInstanceOf(
      ContainerNotFoundError,
    );
  });

  test('classifies 409s', () => {
    const conflict = 'Conflict. The container name "/a" is already in use by container "123". You have to remove it.';
    expect(toBackendError(engineError(409, conflict))).toBeInstanceOf(NameConflictError);
    expect(toBackendError(engineError(409, 'Container 123 is not running'))).toBeInstanceOf(ContainerNotRunningError);
  });

  test.each([
    [
      'driver failed programming external connectivity on endpoint a (ce1f): Bind for 0.0.0.0:18555 failed: port is already allocated',
      18555,
    ],
    [
      'driver failed programming external connectivity on endpoint c (6719): Error starting userland proxy: listen tcp4 0.0.0.0:18556: bind: address already in use',
      18556,
    ],
    ['Bind for [::]:8080 failed: port is already allocated', 8080],
    ['port is already allocated', undefined],
  ])('a taken host port at start is PortInUseError naming the port: %s', (message, hostPort) => {
    const error = toBackendError(engineError(500, message));
    expect(error).toBeInstanceOf(PortInUseError);
    expect((error as PortInUseError).hostPort).toBe(hostPort);
    expect(error.message).toBe(message);
  });

  test('lets cancellation and its own errors through', () => {
    const abort = new DOMException('aborted', 'AbortError');
    expect(toBackendError(abort)).toBe(abort);
    const own = new NameConflictError('taken');
    expect(toBackendError(own)).toBe(own);
  });
});
