import Dockerode from 'dockerode';
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { ContainerEvent, ContainerSpec, LogLine } from './container-backend';
import { DockerodeBackend } from './dockerode-backend';
import {
  ContainerBackendError,
  ContainerNotFoundError,
  ContainerNotRunningError,
  EngineUnavailableError,
  ImageNotFoundError,
  NameConflictError,
  NetworkNotFoundError,
} from './errors';
import { describeWithEngine, TEST_IMAGE, TestRun } from './testing';

const run = promisify(execFile);

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

const textOf = (lines: readonly LogLine[], stream: LogLine['stream']) =>
  lines.filter((l) => l.stream === stream).map((l) => l.line);

/** Polls `check` until it returns a value, or fails after `ms`. */
async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  ms = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('DockerodeBackend without an engine', () => {
  test('a socket that does not exist is EngineUnavailableError', async () => {
    const backend = new DockerodeBackend({ socketPath: '/nonexistent/docker.sock' });
    await expect(backend.ping()).rejects.toBeInstanceOf(EngineUnavailableError);
    await expect(backend.createContainer({ image: TEST_IMAGE })).rejects.toThrow(
      /^Cannot connect to the Docker engine at unix:\/\/\/nonexistent\/docker.sock: .*ENOENT/,
    );
    await backend.close();
  });

  test('a refused TCP connection is EngineUnavailableError', async () => {
    const backend = new DockerodeBackend({ host: '127.0.0.1', port: 1 });
    await expect(backend.version()).rejects.toBeInstanceOf(EngineUnavailableError);
    await backend.close();
  });

  test('a failure to find the engine socket for logs is mapped, and not kept for the next read', async () => {
    const backend = new DockerodeBackend({ socketPath: '/nonexistent/docker.sock' });
    // docker-modem's default socket is a function that finds it; this one fails on its first call only.
    let calls = 0;
    (backend as unknown as { modem: { socketPath: unknown } }).modem.socketPath = () => {
      calls++;
      if (calls === 1) throw Object.assign(new Error('socket lookup failed'), { code: 'ENOENT' });
      return '/nonexistent/docker.sock';
    };
    const readLogs = async () => {
      for await (const line of backend.containerLogs('abc', { tty: true })) void line;
    };
    const first = await readLogs().catch((e: unknown) => e);
    expect(first).toBeInstanceOf(EngineUnavailableError);
    expect((first as Error).message).toMatch(/socket lookup failed/);
    const second = await readLogs().catch((e: unknown) => e);
    expect(second).toBeInstanceOf(EngineUnavailableError);
    expect((second as Error).message).not.toMatch(/socket lookup failed/);
    expect(calls).toBeGreaterThanOrEqual(2);
    await backend.close();
  });

  describe('with DOCKER_HOST set', () => {
    const saved = process.env.DOCKER_HOST;
    beforeEach(() => (process.env.DOCKER_HOST = 'tcp://127.0.0.1:1'));
    afterEach(() => (saved === undefined ? delete process.env.DOCKER_HOST : (process.env.DOCKER_HOST = saved)));

    test('the default backend goes where DOCKER_HOST points', async () => {
      await expect(new DockerodeBackend().ping()).rejects.toThrow(
        /^Cannot connect to the Docker engine at http:\/\/127.0.0.1:1: /,
      );
    });

    test('an explicit socket wins over DOCKER_HOST', async () => {
      await expect(new DockerodeBackend({ socketPath: '/nonexistent/docker.sock' }).ping()).rejects.toThrow(
        /at unix:\/\/\/nonexistent\/docker.sock: /,
      );
    });
  });
});

describeWithEngine('DockerodeBackend on the real engine', () => {
  const backend = new DockerodeBackend();
  const testRun = new TestRun();
  // A second client, to look at what the backend does not expose and to act "from outside".
  const docker = new Dockerode();

  /** Creates a container of this run: unique name, run label. */
  const create = (suffix: string, spec: Partial<ContainerSpec> = {}) =>
    backend.createContainer({
      image: TEST_IMAGE,
      ...spec,
      name: testRun.name(suffix),
      labels: testRun.labels(spec.labels),
    });

  /** Creates, starts and waits for a container; returns its exit code and output. */
  async function runToEnd(suffix: string, spec: Partial<ContainerSpec>) {
    const id = await create(suffix, spec);
    await backend.startContainer(id);
    const exitCode = await backend.waitContainer(id);
    const lines = await collect(backend.containerLogs(id));
    return { id, exitCode, stdout: textOf(lines, 'stdout'), stderr: textOf(lines, 'stderr') };
  }

  beforeAll(async () => {
    if (!(await backend.imageExists(TEST_IMAGE))) {
      throw new Error(`${TEST_IMAGE} is missing: run 'npm run test-images' (bash scripts/build-test-images.sh).`);
    }
  });

  afterAll(async () => {
    await testRun.cleanup(backend);
    await backend.close();
  });

  test('answers ping and version, speaking API 1.41 at most', async () => {
    await backend.ping();
    const version = await backend.version();
    expect(version).toEqual({
      version: expect.any(String),
      apiVersion: expect.stringMatching(/^1\.\d+$/),
      os: 'linux',
      arch: expect.any(String),
    });
  });

  test("reports the engine host's CPUs, memory and platform as docker info does", async () => {
    const info = await backend.engineInfo();
    const raw = (await docker.info()) as { NCPU: number; MemTotal: number; Architecture: string };
    expect(info).toEqual({
      cpus: raw.NCPU,
      memoryBytes: raw.MemTotal,
      serverVersion: (await backend.version()).version,
      os: 'linux',
      operatingSystem: expect.any(String),
      kernelVersion: expect.any(String),
      architecture: raw.Architecture,
    });
    expect(info.cpus).toBeGreaterThan(0);
    expect(info.memoryBytes).toBeGreaterThan(0);
  });

  test('creates, starts, waits for, reads, inspects and removes a container', async () => {
    const id = await create('lifecycle', { command: ['sh', '-c', 'echo hello; echo oops >&2; exit 3'] });
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const created = await backend.inspectContainer(id);
    expect(created.state).toMatchObject({ status: 'created', running: false });
    expect(created.state.startedAt).toBeUndefined();

    await backend.startContainer(id);
    expect(await backend.waitContainer(id)).toBe(3);
    const lines = await collect(backend.containerLogs(id));
    // Ordered within a stream; the engine reads stdout and stderr apart, so not across them.
    expect(textOf(lines, 'stdout')).toEqual(['hello']);
    expect(textOf(lines, 'stderr')).toEqual(['oops']);
    expect(lines[0]!.timestamp.getTime()).toBeGreaterThan(Date.now() - 60_000);

    const exited = await backend.inspectContainer(id);
    expect(exited).toMatchObject({
      id,
      name: testRun.name('lifecycle'),
      image: TEST_IMAGE,
      imageId: expect.stringMatching(/^sha256:/),
    });
    expect(exited.state).toMatchObject({ status: 'exited', running: false, exitCode: 3, oomKilled: false, error: '' });
    // The engine stamps start and exit from different places (daemon vs. containerd's exit event), so a
    // container that exits at once can show finishedAt a few ms before startedAt: allow that, no more.
    expect(exited.state.finishedAt!.getTime()).toBeGreaterThanOrEqual(exited.state.startedAt!.getTime() - 50);

    await backend.removeContainer(id);
    await expect(backend.inspectContainer(id)).rejects.toBeInstanceOf(ContainerNotFoundError);
    await expect(backend.removeContainer(id)).rejects.toBeInstanceOf(ContainerNotFoundError);
    await backend.removeContainer(id, { force: true });
  });

  test('passes env, command, entrypoint, working dir, user, hostname and labels', async () => {
    const result = await runToEnd('config', {
      env: { GREETING: 'hi there', EMPTY: '' },
      entrypoint: ['sh', '-c'],
      command: ['echo "$GREETING|$(pwd)|$(id -u):$(id -g)|$(hostname)"'],
      workingDir: '/www',
      user: '1234:5678',
      hostname: 'box',
      labels: { 'app.example/tier': 'web' },
    });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toEqual(['hi there|/www|1234:5678|box']);
    const info = await backend.inspectContainer(result.id);
    expect(info).toMatchObject({
      command: ['echo "$GREETING|$(pwd)|$(id -u):$(id -g)|$(hostname)"'],
      entrypoint: ['sh', '-c'],
      workingDir: '/www',
      user: '1234:5678',
      hostname: 'box',
      labels: { 'app.example/tier': 'web', ...testRun.labels() },
    });
    // The image's environment stays underneath.
    expect(info.env).toEqual({ PATH: '/bin', GREETING: 'hi there', EMPTY: '' });

    const list = await runToEnd('env-list', { env: ['A=1', 'B=x=y'], command: ['sh', '-c', 'echo "$A $B"'] });
    expect(list.stdout).toEqual(['1 x=y']);
  });

  test('applies resources, ulimits, a read-only root, init, extra hosts and extra HostConfig', async () => {
    const result = await runToEnd('resources', {
      command: [
        'sh',
        '-c',
        'ulimit -n; touch /x 2>/dev/null && echo writable || echo read-only; tr "\\0" " " < /proc/1/cmdline; echo; grep example /etc/hosts',
      ],
      memory: 64 * 1024 * 1024,
      memoryReservation: 32 * 1024 * 1024,
      cpuShares: 512,
      nanoCpus: 500_000_000,
      ulimits: [{ name: 'nofile', soft: 1000, hard: 2000 }],
      readonlyRootFilesystem: true,
      init: true,
      privileged: false,
      stopSignal: 'SIGINT',
      stopTimeout: 3,
      extraHosts: ['one.example:10.0.0.1'],
      extraHostConfig: { ExtraHosts: ['two.example:10.0.0.2'], ShmSize: 8 * 1024 * 1024 },
    });
    expect(result.exitCode).toBe(0);
    expect(result.stdout[0]).toBe('1000');
    expect(result.stdout[1]).toBe('read-only');
    expect(result.stdout[2]).toMatch(/docker-init/);
    expect(result.stdout.slice(3).map((line) => line.split(/\s+/).reverse().join(' '))).toEqual([
      'one.example 10.0.0.1',
      'two.example 10.0.0.2',
    ]);
    const raw = await docker.getContainer(result.id).inspect();
    expect(raw.HostConfig).toMatchObject({
      Memory: 64 * 1024 * 1024,
      MemoryReservation: 32 * 1024 * 1024,
      CpuShares: 512,
      NanoCpus: 500_000_000,
      ShmSize: 8 * 1024 * 1024,
    });
    expect(raw.Config).toMatchObject({ StopSignal: 'SIGINT', StopTimeout: 3, Tty: false });
  });

  test('a bind mount written by the container is seen on the host', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), `${testRun.id}-bind-`));
    try {
      await chmod(dir, 0o777);
      const result = await runToEnd('bind', {
        command: ['sh', '-c', 'echo from-container > /out/file.txt'],
        mounts: [{ type: 'bind', source: dir, target: '/out' }],
      });
      expect(result.exitCode).toBe(0);
      expect(await readFile(path.join(dir, 'file.txt'), 'utf8')).toBe('from-container\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('named volumes and volumesFrom share data, read-only where asked', async () => {
    const volume = testRun.volume('data');
    await backend.createVolume({ name: volume, labels: testRun.labels() });
    await backend.createVolume({ name: volume });
    expect(await backend.volumeExists(volume)).toBe(true);
    const writer = await runToEnd('vol-writer', {
      command: ['sh', '-c', 'echo shared > /data/file'],
      mounts: [{ type: 'volume', source: volume, target: '/data' }],
    });
    expect(writer.exitCode).toBe(0);
    const reader = await runToEnd('vol-reader', {
      command: ['sh', '-c', 'cat /data/file; echo more > /data/file 2>/dev/null || echo cannot-write'],
      volumesFrom: [`${testRun.name('vol-writer')}:ro`],
    });
    expect(reader.stdout).toEqual(['shared', 'cannot-write']);
    await backend.removeContainer(writer.id);
    await backend.removeContainer(reader.id);
    await backend.removeVolume(volume);
    await backend.removeVolume(volume);
    expect(await backend.volumeExists(volume)).toBe(false);
  });

  test('a published port answers from the host', async () => {
    const id = await create('httpd', {
      command: ['httpd', '-f', '-p', '80', '-h', '/www'],
      ports: [{ containerPort: 80 }],
    });
    await backend.startContainer(id);
    const info = await backend.inspectContainer(id);
    const binding = info.ports.find((p) => p.containerPort === 80 && p.hostIp === '0.0.0.0');
    expect(binding).toMatchObject({ protocol: 'tcp', hostPort: expect.any(Number) });
    expect(info.networks).toMatchObject([{ name: 'bridge', ipAddress: expect.stringMatching(/^\d+\.\d+\.\d+\.\d+$/) }]);
    const body = await eventually(
      () =>
        fetch(`http://127.0.0.1:${binding!.hostPort}/`).then(
          (r) => r.text(),
          () => undefined,
        ),
      10_000,
      'httpd',
    );
    expect(body).toBe('hello from localcloud\n');
    await backend.removeContainer(id, { force: true });
  });

  test('containers sharing a network namespace talk over localhost', async () => {
    const server = await create('ns-server', { command: ['httpd', '-f', '-p', '8080', '-h', '/www'] });
    await backend.startContainer(server);
    const client = await runToEnd('ns-client', {
      networkMode: `container:${server}`,
      command: [
        'sh',
        '-c',
        'for i in 1 2 3 4 5 6 7 8 9 10; do timeout 2 wget -qO- http://127.0.0.1:8080/ && exit 0; sleep 0.3; done; exit 1',
      ],
    });
    expect(client.exitCode).toBe(0);
    expect(client.stdout).toEqual(['hello from localcloud']);
    expect((await backend.inspectContainer(client.id)).networkMode).toBe(`container:${server}`);
    await backend.removeContainer(server, { force: true });
  });

  test('a named network: created once under concurrency, aliases resolve, containers can be connected', async () => {
    const network = testRun.network('net');
    const ids = await Promise.all([
      backend.ensureNetwork(network, { labels: testRun.labels() }),
      backend.ensureNetwork(network),
      new DockerodeBackend().ensureNetwork(network),
      new DockerodeBackend().ensureNetwork(network),
    ]);
    expect(new Set(ids).size).toBe(1);
    const same = (await docker.listNetworks({ filters: { name: [network] } })).filter((n) => n.Name === network);
    expect(same.map((n) => n.Id)).toEqual([ids[0]]);
    expect(await backend.networkExists(network)).toBe(true);

    const server = await create('net-server', {
      command: ['httpd', '-f', '-p', '80', '-h', '/www'],
      networkMode: network,
      networkAliases: ['web'],
    });
    await backend.startContainer(server);
    const client = await runToEnd('net-client', {
      networkMode: network,
      command: [
        'sh',
        '-c',
        'for i in 1 2 3 4 5 6 7 8 9 10; do timeout 2 wget -qO- http://web/ && exit 0; sleep 0.3; done; exit 1',
      ],
    });
    expect(client.stdout).toEqual(['hello from localcloud']);

    const late = await create('net-late', { command: ['sleep', '30'] });
    await backend.connectContainer(network, late, ['late-alias']);
    await backend.startContainer(late);
    const networks = (await backend.inspectContainer(late)).networks;
    expect(networks.map((n) => n.name).sort()).toEqual(['bridge', network].sort());
    expect(networks.find((n) => n.name === network)!.aliases).toContain('late-alias');

    for (const id of [server, client.id, late]) await backend.removeContainer(id, { force: true });
    await backend.removeNetwork(network);
    await backend.removeNetwork(network);
    expect(await backend.networkExists(network)).toBe(false);
  });

  test('inspectNetwork gives the address ranges the engine reports, and nothing for an unknown network', async () => {
    const network = testRun.network('ranges');
    await backend.ensureNetwork(network, { labels: testRun.labels() });
    try {
      for (const name of ['bridge', network]) {
        const raw = await docker.getNetwork(name).inspect();
        const config = raw.IPAM!.Config as { Subnet: string; Gateway?: string }[];
        expect(await backend.inspectNetwork(name)).toEqual({
          id: raw.Id,
          name,
          subnets: config.map((c) => ({ subnet: c.Subnet, gateway: c.Gateway })),
        });
        expect(config.length).toBeGreaterThan(0);
      }
    } finally {
      await backend.removeNetwork(network);
    }
    expect(await backend.inspectNetwork(network)).toBeUndefined();
  });

  test('stop sends SIGTERM, then SIGKILL after the timeout; stopping again is fine', async () => {
    const id = await create('stubborn', { command: ['sh', '-c', 'trap "" TERM; sleep 100'] });
    await backend.startContainer(id);
    const started = Date.now();
    await backend.stopContainer(id, 1);
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(900);
    // Generous: other suites load the same engine.
    expect(took).toBeLessThan(30_000);
    expect((await backend.inspectContainer(id)).state).toMatchObject({ status: 'exited', exitCode: 137 });
    await backend.stopContainer(id, 1);
    await expect(backend.killContainer(id)).rejects.toBeInstanceOf(ContainerNotRunningError);
    await backend.startContainer(id);
    await backend.startContainer(id);
    await backend.removeContainer(id, { force: true });
  });

  test('events show an outside `docker kill` as die with the exit code, within a second', async () => {
    const events: ContainerEvent[] = [];
    const errors: Error[] = [];
    const subscription = await backend.events(
      { labels: { ...testRun.labels(), 'test.case': 'events' } },
      { onEvent: (event) => events.push(event), onError: (error) => errors.push(error) },
    );
    try {
      const id = await create('events', { command: ['sleep', '100'], labels: { 'test.case': 'events' } });
      // Not followed: a container of this run without the case label.
      await create('events-other', { command: ['true'] });
      await backend.startContainer(id);
      await eventually(() => events.find((e) => e.action === 'start'), 5_000, 'start event');
      let seenAt = 0;
      const seen = eventually(() => events.find((e) => e.action === 'die'), 10_000, 'die event').then((event) => {
        seenAt = Date.now();
        return event;
      });
      await run('docker', ['kill', id]);
      const died = await seen;
      // The engine stamps the event when the container dies: measured from there, not from the CLI's start.
      expect(seenAt - died.time.getTime()).toBeLessThan(1_000);
      expect(died).toMatchObject({
        id,
        exitCode: 137,
        name: testRun.name('events'),
        labels: { 'test.case': 'events' },
      });
      expect(events.map((e) => e.action)).toEqual(['create', 'start', 'kill', 'die']);
      expect(events.find((e) => e.action === 'kill')!.signal).toBe('9');
      expect(errors).toEqual([]);
    } finally {
      subscription.close();
    }
    expect(subscription.closed).toBe(true);
  });

  test('a health check turns healthy', async () => {
    const events: ContainerEvent[] = [];
    const subscription = await backend.events(
      { labels: { ...testRun.labels(), 'test.case': 'health' } },
      { onEvent: (event) => events.push(event) },
    );
    try {
      const id = await create('health', {
        command: ['sh', '-c', 'sleep 1; touch /tmp/ready; sleep 100'],
        labels: { 'test.case': 'health' },
        healthCheck: { test: ['CMD-SHELL', 'test -f /tmp/ready'], intervalSeconds: 1, timeoutSeconds: 1, retries: 3 },
      });
      await backend.startContainer(id);
      expect((await backend.inspectContainer(id)).state.health?.status).toBe('starting');
      const healthy = await eventually(() => events.find((e) => e.action === 'health_status'), 40_000, 'health event');
      expect(healthy).toMatchObject({ id, healthStatus: 'healthy' });
      expect((await backend.inspectContainer(id)).state.health).toMatchObject({ status: 'healthy', failingStreak: 0 });
      await backend.removeContainer(id, { force: true });
    } finally {
      subscription.close();
    }
  }, 90_000);

  test.each([
    ['exits right after writing', ''],
    ['writes while followed', 'sleep 1; '],
  ])('logs: 20000 lines, a 40 KB line and stderr, all read back in order (%s)', async (_case, delay) => {
    const script =
      `${delay}seq 1 20000 | sed "s/^/out /"; seq 1 3000 | sed "s/^/err /" >&2; ` +
      'head -c 40000 /dev/zero | tr "\\0" x; echo';
    const id = await create(`logs-${delay ? 'follow' : 'fast'}`, { command: ['sh', '-c', script] });
    await backend.startContainer(id);
    const lines = await collect(backend.containerLogs(id, { follow: true }));
    const stdout = textOf(lines, 'stdout');
    const stderr = textOf(lines, 'stderr');
    expect(stdout).toHaveLength(20_001);
    expect(stdout.slice(0, 20_000)).toEqual(Array.from({ length: 20_000 }, (_, i) => `out ${i + 1}`));
    expect(stdout[20_000]).toBe('x'.repeat(40_000));
    expect(stderr).toEqual(Array.from({ length: 3000 }, (_, i) => `err ${i + 1}`));
    const times = lines.filter((l) => l.stream === 'stdout').map((l) => l.timestamp.getTime());
    expect(times.every((time, i) => i === 0 || time >= times[i - 1]!)).toBe(true);
    expect(await backend.waitContainer(id)).toBe(0);
    await backend.removeContainer(id);
  });

  test('logs: since, a TTY container, and stopping a follow early', async () => {
    const tty = await runToEnd('tty', { tty: true, command: ['sh', '-c', 'echo a; echo b >&2'] });
    expect(tty.stdout).toEqual(['a', 'b']);
    expect(await collect(backend.containerLogs(tty.id, { since: new Date(Date.now() + 60_000) }))).toEqual([]);

    const id = await create('log-follow', { command: ['sh', '-c', 'while true; do echo tick; sleep 0.1; done'] });
    await backend.startContainer(id);
    const seen: string[] = [];
    for await (const line of backend.containerLogs(id, { follow: true })) {
      seen.push(line.line);
      if (seen.length === 3) break;
    }
    expect(seen).toEqual(['tick', 'tick', 'tick']);
    const controller = new AbortController();
    const following = collect(backend.containerLogs(id, { follow: true, signal: controller.signal }));
    setTimeout(() => controller.abort(), 300);
    await expect(following).rejects.toMatchObject({ name: 'AbortError' });
    await backend.removeContainer(id, { force: true });
  });

  test('logs: a caller that says whether the container has a TTY is answered without an inspect', async () => {
    const plain = await runToEnd('tty-known-plain', { command: ['sh', '-c', 'echo out; echo err >&2'] });
    const tty = await runToEnd('tty-known-tty', { tty: true, command: ['sh', '-c', 'echo a; echo b >&2'] });
    const inspect = jest.spyOn(Dockerode.Container.prototype, 'inspect');
    try {
      const lines = await collect(backend.containerLogs(plain.id, { tty: false }));
      expect(textOf(lines, 'stdout')).toEqual(['out']);
      expect(textOf(lines, 'stderr')).toEqual(['err']);
      expect(textOf(await collect(backend.containerLogs(tty.id, { tty: true })), 'stdout')).toEqual(['a', 'b']);
      expect(inspect).not.toHaveBeenCalled();
      // Without it, the backend asks the engine (and reads the TTY container right all the same).
      expect(textOf(await collect(backend.containerLogs(tty.id)), 'stdout')).toEqual(['a', 'b']);
      expect(inspect).toHaveBeenCalled();
    } finally {
      inspect.mockRestore();
    }
    await expect(collect(backend.containerLogs('no-such-container-anywhere', { tty: false }))).rejects.toBeInstanceOf(
      ContainerNotFoundError,
    );
  });

  test('attachOutput: opened before the start it sees every line; the log resumes after its line counts', async () => {
    // Buffered writes (awk), a line longer than the json-file's 16 KiB split, an empty line, stderr, and a
    // last line without a line break.
    const script =
      'awk \'BEGIN { for (i = 0; i < 20000; i++) print "line " i; s = sprintf("%40000s", "x"); print s; print "" }\'; echo err-1 >&2; printf tail';
    const id = await create('attach', { command: ['sh', '-c', script] });
    const attached = await backend.attachOutput(id);
    expect(attached).toBeDefined();
    await backend.startContainer(id);
    const batches = await collect(attached!);
    const lines = batches.flat();
    const stdout = textOf(lines, 'stdout');
    expect(stdout).toHaveLength(20003);
    expect(stdout.slice(0, 20000)).toEqual(Array.from({ length: 20000 }, (_, i) => `line ${i}`));
    expect(stdout.slice(20000)).toEqual([`${' '.repeat(39999)}x`, '', 'tail']);
    expect(textOf(lines, 'stderr')).toEqual(['err-1']);
    // Fewer reads than lines (a busy log is many lines per read); every read's lines share its time, so
    // times repeat and never go back (a batch may hold several reads when the reader is slow).
    expect(batches.length).toBeLessThan(20000);
    const times = lines.map((l) => l.timestamp.getTime());
    expect(new Set(times).size).toBeLessThan(times.length / 10);
    expect(times.every((time, i) => i === 0 || time >= times[i - 1]!)).toBe(true);
    // The last marks count non-empty lines per stream.
    const lastMark = (stream: string) => lines.filter((l) => l.stream === stream && l.mark).pop()!.mark;
    expect(lastMark('stdout')).toMatchObject({ lines: 20002 });
    expect(lastMark('stderr')).toMatchObject({ lines: 1 });

    // The json-file log holds the same lines: read after a position taken from the attach stream, it
    // gives exactly the rest, with times never before that position's.
    await backend.waitContainer(id);
    const cut = lines.filter((l) => l.stream === 'stdout' && l.mark)[0]!.mark as { lines: number; at: number };
    // The attach side's check of the line at the count matches the log's line there: resumed by count.
    expect(cut).toMatchObject({ check: expect.any(String) });
    const mismatches: string[] = [];
    const rest = await collect(
      backend.containerLogs(id, {
        after: { stdout: cut, stderr: { lines: 0, at: 0 } },
        onPositionMismatch: (stream, reason) => mismatches.push(`${stream}: ${reason}`),
      }),
    );
    expect(mismatches).toEqual([]);
    expect(textOf(rest, 'stdout')).toEqual(stdout.slice(stdout.indexOf(`line ${cut.lines - 1}`) + 1));
    expect(textOf(rest, 'stderr')).toEqual(['err-1']);
    expect(rest.every((l) => l.timestamp.getTime() >= cut.at)).toBe(true);
    expect(rest.at(-1)!.mark).toMatchObject({ lines: expect.any(Number) });
    await expect(backend.attachOutput('no-such-container-anywhere')).rejects.toBeInstanceOf(ContainerNotFoundError);
  });

  test('an attach aborted before anything reads it closes quietly', async () => {
    // An awsvpc container created again for its ports drops the attach to the first one unread: the
    // abort must not surface as an uncaught 'error' (it ended the gateway's process).
    const id = await create('attach-abort', { command: ['sleep', '30'] });
    const uncaught: unknown[] = [];
    const record = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', record);
    try {
      const controller = new AbortController();
      expect(await backend.attachOutput(id, { signal: controller.signal })).toBeDefined();
      controller.abort();
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', record);
      await backend.removeContainer(id, { force: true });
    }
  });

  test('stats returns a sample of the engine stats JSON', async () => {
    const id = await create('stats', { command: ['sleep', '30'] });
    await backend.startContainer(id);
    const stats = await backend.stats(id);
    expect(stats).toMatchObject({
      read: expect.any(String),
      cpu_stats: expect.any(Object),
      memory_stats: expect.any(Object),
    });
    await backend.removeContainer(id, { force: true });
  });

  test('a wait can be aborted', async () => {
    const id = await create('wait-abort', { command: ['sleep', '30'] });
    await backend.startContainer(id);
    const controller = new AbortController();
    const waiting = backend.waitContainer(id, { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    // Closing a backend ends its pending requests too.
    const other = new DockerodeBackend();
    const pending = other.waitContainer(id);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await other.close();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    await backend.removeContainer(id, { force: true });
  });

  test('lists containers by label', async () => {
    const a = await create('list-a', { command: ['sleep', '30'], labels: { 'test.list': 'a' } });
    const b = await create('list-b', { command: ['true'], labels: { 'test.list': 'b' } });
    await backend.startContainer(a);
    const running = await backend.listContainers({ labels: { ...testRun.labels(), 'test.list': true } });
    expect(running.map((c) => c.id)).toEqual([a]);
    expect(running[0]).toMatchObject({
      name: testRun.name('list-a'),
      image: TEST_IMAGE,
      status: 'running',
      labels: { 'test.list': 'a' },
    });
    const all = await backend.listContainers({ all: true, labels: { ...testRun.labels(), 'test.list': 'b' } });
    expect(all.map((c) => ({ id: c.id, status: c.status }))).toEqual([{ id: b, status: 'created' }]);
    await backend.removeContainer(a, { force: true });
    await backend.removeContainer(b, { force: true });
  });

  test('images: inspect, and a missing image fails the way ECS reports it', async () => {
    const image = await backend.inspectImage(TEST_IMAGE);
    expect(image).toMatchObject({
      id: expect.stringMatching(/^sha256:/),
      repoTags: expect.arrayContaining([TEST_IMAGE]),
      os: 'linux',
    });
    expect(await backend.ensureImage(TEST_IMAGE)).toEqual(image);

    const missing = 'localcloud-test/does-not-exist:1';
    expect(await backend.imageExists(missing)).toBe(false);
    await expect(backend.inspectImage(missing)).rejects.toBeInstanceOf(ImageNotFoundError);
    const failure = await backend.ensureImage(missing).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ImageNotFoundError);
    expect(failure).toMatchObject({ image: missing });
    // The engine's own words (no registry here, or "pull access denied" where there is one).
    expect((failure as Error).message).not.toMatch(/HTTP code/);
    expect((failure as Error).message.length).toBeGreaterThan(10);
    await expect(backend.createContainer({ image: missing, name: testRun.name('no-image') })).rejects.toBeInstanceOf(
      ImageNotFoundError,
    );
  });

  test('ensureImage keeps an inspect until the engine reports an image change, then looks again', async () => {
    const images = new DockerodeBackend();
    const inspected: string[] = [];
    const inspect = images.inspectImage.bind(images);
    images.inspectImage = (ref: string) => {
      inspected.push(ref);
      return inspect(ref);
    };
    // A tag of this run's own, moved from outside the backend as `docker build -t` or `docker tag` would.
    const ref = `localcloud-test/cached:${testRun.id}`;
    const pause = await backend.ensurePauseImage();
    await docker.getImage(TEST_IMAGE).tag({ repo: 'localcloud-test/cached', tag: testRun.id });
    // The cache's event subscription replays the current second's events, so a tag made in the same
    // second as the first lookup would (rightly) empty it once more. Let that second pass.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    try {
      const first = await images.ensureImage(ref);
      expect(await images.ensureImage(ref)).toEqual(first);
      expect(inspected).toEqual([ref]);

      await docker.getImage(pause.id).tag({ repo: 'localcloud-test/cached', tag: testRun.id });
      for (let i = 0; i < 200 && (await images.ensureImage(ref)).id === first.id; i++) {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      expect((await images.ensureImage(ref)).id).toBe(pause.id);
      expect(inspected.length).toBeGreaterThan(1);
    } finally {
      await docker
        .getImage(ref)
        .remove()
        .catch(() => undefined);
      await images.close();
    }
  });

  test('the pause image: imported on first use under concurrency, labelled, and it stops at SIGTERM', async () => {
    // A tag of this run's own, so the first use is really a first use.
    const ref = `localcloud-test/pause:${testRun.id}`;
    const other = new DockerodeBackend();
    const ids = new Set<string>();
    try {
      const images = await Promise.all([
        backend.ensurePauseImage(ref),
        backend.ensurePauseImage(ref),
        other.ensurePauseImage(ref), // as another gateway process would
      ]);
      images.forEach((image) => ids.add(image.id));
      // One process imports once: its callers share the image.
      expect(images[0]!.id).toBe(images[1]!.id);
      const inspected = await docker.getImage(ref).inspect();
      expect(inspected).toMatchObject({
        Architecture: (await backend.version()).arch,
        Config: { Cmd: ['/pause'], Labels: { 'localcloud.image': 'pause' } },
      });
      expect((await backend.ensurePauseImage(ref)).id).toBe(inspected.Id);

      const id = await create('pause', { image: ref });
      await backend.startContainer(id);
      // Without a handler PID 1 ignores SIGTERM and only the SIGKILL after 20 s would end it (137).
      await backend.stopContainer(id, 20);
      expect((await backend.inspectContainer(id)).state).toMatchObject({ status: 'exited', exitCode: 0 });
    } finally {
      await other.close();
      await backend.removeContainer(testRun.name('pause'), { force: true });
      for (const id of [...ids, ref])
        await docker
          .getImage(id)
          .remove()
          .catch(() => undefined);
    }
  });

  test('start failures: a missing network, a missing executable', async () => {
    // The engine accepts both at create time and refuses at start.
    const noNetwork = await create('no-network', { networkMode: testRun.name('no-such-network') });
    await expect(backend.startContainer(noNetwork)).rejects.toBeInstanceOf(NetworkNotFoundError);
    const noExecutable = await create('no-exec', { entrypoint: ['/nope'] });
    const failure = await backend.startContainer(noExecutable).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ContainerBackendError);
    expect((failure as Error).message).toMatch(/\/nope/);
    expect((await backend.inspectContainer(noExecutable)).state).toMatchObject({
      status: 'created',
      exitCode: 127,
      error: expect.stringContaining('/nope'),
    });
  });

  test('a taken name is NameConflictError', async () => {
    await create('conflict', { command: ['true'] });
    await expect(create('conflict', { command: ['true'] })).rejects.toBeInstanceOf(NameConflictError);
  });
});
