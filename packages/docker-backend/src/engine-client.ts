import http from 'node:http';
import { inspect } from 'node:util';
import Dockerode from 'dockerode';

/** Where the engine is, and how to reach it. */
export interface EngineAddress {
  /** Unix socket of the engine. */
  readonly socketPath?: string;
  /** TCP host of the engine, with `port`. */
  readonly host?: string;
  readonly port?: number;
  readonly protocol?: 'http' | 'https';
  /**
   * When neither `socketPath` nor `host` is given: the environment to find the engine in, the way the
   * docker CLI does (`DOCKER_HOST` as `unix://`, `tcp://` or `ssh://`, `DOCKER_TLS_VERIFY`,
   * `DOCKER_CERT_PATH`). `process.env` by default.
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Every variable docker-modem reads from `process.env` when it builds its defaults. */
const ENGINE_VARIABLES = [
  'DOCKER_HOST',
  'DOCKER_TLS_VERIFY',
  'DOCKER_CERT_PATH',
  'DOCKER_PATH_PREFIX',
  'DOCKER_CLIENT_TIMEOUT',
  'SSH_AUTH_SOCK',
] as const;

/**
 * A dockerode client for the address. docker-modem already understands the docker CLI's variables, but
 * only reads them from `process.env`; a provider's environment may be another one, so they are lent to
 * `process.env` for the (synchronous) construction and put back at once.
 */
export function createDockerode(address: EngineAddress = {}): Dockerode {
  const explicit = explicitOptions(address);
  // An explicit address must not pick up a CA, client key or path prefix meant for another engine.
  const env = explicit ? {} : (address.env ?? process.env);
  const docker = withEngineEnv(env, () => new Dockerode(explicit));
  const modem = docker.modem as {
    host?: string;
    port?: string | number;
    protocol?: string;
    socketPath?: unknown;
    agent?: http.Agent;
  };
  // `tcp://host` without a port: the docker CLI dials 2375 (2376 with TLS); docker-modem would dial 80/443.
  if (modem.host && !modem.port && (modem.protocol === 'http' || modem.protocol === 'https')) {
    modem.port = modem.protocol === 'https' ? 2376 : 2375;
  }
  if (modem.socketPath !== undefined && modem.protocol === 'http' && modem.agent === undefined) {
    modem.agent = unixSocketAgent();
  }
  return docker;
}

/**
 * docker-modem formats the options of every request it sends (`util.inspect` with `showHidden` and no depth
 * limit, for its debug log, whether that log is on or not): an agent in them would be walked whole, with
 * its sockets and their internals, at every Engine request (measured: V8 optimising `util.inspect` at start
 * and ~7 MiB more resident memory). Formatted as its name instead.
 */
class UnixSocketAgent extends http.Agent {
  [inspect.custom](): string {
    return 'UnixSocketAgent';
  }
}

let socketAgent: http.Agent | undefined;

/**
 * The agent of engines reached by a unix socket: Node's global agent's options, with the TLS server name
 * given as none. Otherwise Node works one out for every request (the Host header, `localhost`, then
 * `net.isIP` of it, whose first IPv6 test compiles a large regular expression: ~8 ms of the start-up, on
 * the first Engine request). A socket has no TLS and no server name; tcp:// (the name matters to TLS) and
 * ssh:// (its own agent) keep docker-modem's defaults. One agent for all of them, as the global one was.
 */
function unixSocketAgent(): http.Agent {
  // `options` is the global agent's (keep-alive and its timeouts on Node 20), not in Node's typings.
  const { options } = http.globalAgent as http.Agent & { options: http.AgentOptions };
  socketAgent ??= new UnixSocketAgent({ ...options, servername: '' } as http.AgentOptions);
  return socketAgent;
}

function explicitOptions(address: EngineAddress): Dockerode.DockerOptions | undefined {
  if (address.socketPath) return { socketPath: address.socketPath, protocol: 'http' };
  if (address.host) return { host: address.host, port: address.port, protocol: address.protocol ?? 'http' };
  return undefined;
}

function withEngineEnv<T>(env: Readonly<Record<string, string | undefined>>, fn: () => T): T {
  const saved = ENGINE_VARIABLES.map((name) => [name, process.env[name]] as const);
  const assign = (name: string, value: string | undefined) =>
    value === undefined ? delete process.env[name] : (process.env[name] = value);
  try {
    for (const name of ENGINE_VARIABLES) assign(name, env[name] || undefined);
    return fn();
  } finally {
    for (const [name, value] of saved) assign(name, value);
  }
}
