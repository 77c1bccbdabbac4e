import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createGateway, createLogger, loadConfig, type Gateway } from '@localcloud/gateway';

/**
 * `/_localcloud/health` answers without waiting for the Docker engine's first answer (issue #18: the first
 * answer after start carried a Docker round trip). An engine that accepts connections and holds every
 * request stands in for a slow one: the health answer reports it `connecting`; once it answers, `available`.
 */

interface HeldRequest {
  readonly path: string;
  readonly res: http.ServerResponse;
}

/** A Docker engine on a Unix socket that holds every request until `release`, then answers /version. */
function heldEngine(socketPath: string) {
  const held: HeldRequest[] = [];
  let released = false;
  const answer = ({ path: requestPath, res }: HeldRequest) => {
    if (/^(\/v[\d.]+)?\/version$/.test(requestPath)) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ Version: '20.10.99-held', ApiVersion: '1.41', Os: 'linux', Arch: 'amd64' }));
    } else {
      // Anything else: the engine's own shape of an error, so callers treat it as an engine failure.
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: `not served by this test engine: ${requestPath}` }));
    }
  };
  const server = http.createServer((req, res) => {
    const request = { path: (req.url ?? '').split('?')[0]!, res };
    if (released) answer(request);
    else held.push(request);
  });
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return {
    listen: () => new Promise<void>((resolve) => server.listen(socketPath, resolve)),
    asked: () => held.map((r) => r.path),
    release: () => {
      released = true;
      for (const request of held.splice(0)) answer(request);
    },
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

interface Health {
  status: string;
  services: { ecs: { status: string; docker: { state: string; version?: string; error?: string } } };
}

/** The health answer, once the port accepts connections (the gateway binds it before providers start). */
async function health(url: string): Promise<Health> {
  for (;;) {
    try {
      const res = await fetch(`${url}/_localcloud/health`);
      expect(res.status).toBe(200);
      return (await res.json()) as Health;
    } catch (error) {
      if (!String((error as { cause?: unknown }).cause ?? error).includes('ECONNREFUSED')) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

describe('the health answer and the Docker engine', () => {
  let dir: string;
  let gateway: Gateway | undefined;
  let engine: ReturnType<typeof heldEngine> | undefined;
  let listening: Promise<unknown> | undefined;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-health-'));
  });

  afterEach(async () => {
    engine?.release();
    await listening?.catch(() => undefined);
    await gateway?.close();
    await engine?.close();
    gateway = engine = listening = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function start(dockerHost: string) {
    const port = await freePort();
    const env = {
      GATEWAY_LISTEN: `127.0.0.1:${port}`,
      SERVICES: 'ecs',
      DOCKER_HOST: dockerHost,
      ECS_TASK_OUTPUT: 'off',
      ECS_TASK_ENDPOINTS_LISTEN: 'off',
      LOCALCLOUD_DNS: 'off',
    };
    gateway = await createGateway({ config: loadConfig(env), logger: createLogger('error'), env });
    // Not awaited: the ECS provider's start waits for the held engine; the port is bound before it.
    listening = gateway.listen();
    return `http://127.0.0.1:${port}`;
  }

  it('answers `connecting` while the engine has not answered, then the engine it reached', async () => {
    engine = heldEngine(path.join(dir, 'docker.sock'));
    await engine.listen();
    const url = await start(`unix://${path.join(dir, 'docker.sock')}`);

    const first = await health(url);
    expect(first).toEqual({
      status: 'running',
      services: { ecs: { status: 'running', docker: { state: 'connecting' } } },
    });
    // The engine was asked, and has not answered: the answer above did not wait for it.
    expect(engine.asked()).toContain('/version');

    engine.release();
    let now = first;
    while (now.services.ecs.docker.state === 'connecting') now = await health(url);
    expect(now.services.ecs).toEqual({
      status: 'running',
      docker: { state: 'available', version: '20.10.99-held', apiVersion: '1.41' },
    });
    await listening;
  });

  it('reports the engine unavailable when its socket does not exist, without failing the health answer', async () => {
    const url = await start(`unix://${path.join(dir, 'missing.sock')}`);
    let now = await health(url);
    expect(['connecting', 'unavailable']).toContain(now.services.ecs.docker.state);
    while (now.services.ecs.docker.state === 'connecting') now = await health(url);
    expect(now.status).toBe('degraded');
    expect(now.services.ecs.status).toBe('degraded');
    expect(now.services.ecs.docker.state).toBe('unavailable');
    expect(now.services.ecs.docker.error).toMatch(/missing\.sock|ENOENT/);
    await listening;
  });

  it('a gateway process told to stop while its providers still start finishes starting, then stops cleanly', async () => {
    engine = heldEngine(path.join(dir, 'docker.sock'));
    await engine.listen();
    const port = await freePort();
    const child = spawn(process.execPath, [path.join(__dirname, '..', 'scripts', 'gateway-from-source.js')], {
      env: {
        ...process.env,
        GATEWAY_LISTEN: `127.0.0.1:${port}`,
        SERVICES: 'ecs',
        DOCKER_HOST: `unix://${path.join(dir, 'docker.sock')}`,
        ECS_TASK_OUTPUT: 'off',
        ECS_TASK_ENDPOINTS_LISTEN: 'off',
        LOCALCLOUD_DNS: 'off',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    child.stderr!.setEncoding('utf8').on('data', (text: string) => (log += text));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    try {
      // Answered while ECS's start waits for the held engine: a supervisor may well stop it now.
      expect((await health(`http://127.0.0.1:${port}`)).services.ecs.docker.state).toBe('connecting');
      expect(log).not.toContain('localcloud ready');
      child.kill('SIGTERM');
      const gone = () => child.exitCode !== null || child.signalCode !== null;
      while (!log.includes('shutting down') && !gone()) await new Promise((resolve) => setTimeout(resolve, 10));
      engine.release();
      // Not killed by the signal: the start finished and the providers were stopped.
      expect(await exited).toEqual({ code: 0, signal: null });
    } finally {
      child.kill('SIGKILL');
    }
  });
});
