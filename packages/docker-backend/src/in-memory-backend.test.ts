import type { ContainerEvent, LogLine } from './container-backend';
import {
  ContainerBackendError,
  ContainerNotFoundError,
  ContainerNotRunningError,
  ImageNotFoundError,
  NameConflictError,
  NetworkNotFoundError,
  PortInUseError,
} from './errors';
import { InMemoryBackend } from './in-memory-backend';

const IMAGE = 'app:1';

async function collect(lines: AsyncIterable<LogLine>): Promise<string[]> {
  const out: string[] = [];
  for await (const line of lines) out.push(`${line.stream}:${line.line}`);
  return out;
}

/** Lets queued event deliveries run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('InMemoryBackend', () => {
  let backend: InMemoryBackend;
  beforeEach(() => {
    backend = new InMemoryBackend({ images: [IMAGE] });
  });
  afterEach(() => backend.close());

  test('reports a small Linux host as engine info, or the one it was given', async () => {
    expect(await new InMemoryBackend().engineInfo()).toMatchObject({
      cpus: 2,
      memoryBytes: 4 * 1024 ** 3,
      os: 'linux',
    });
    expect(await new InMemoryBackend({ engine: { cpus: 8 } }).engineInfo()).toMatchObject({ cpus: 8 });
  });

  test('runs a container until it exits, with events like the engine', async () => {
    const events: ContainerEvent[] = [];
    await backend.events({ labels: { job: 'batch' } }, { onEvent: (event) => events.push(event) });
    const id = await backend.createContainer({ name: 'job', image: IMAGE, labels: { job: 'batch' } });
    expect((await backend.inspectContainer(id)).state.status).toBe('created');
    await backend.startContainer(id);
    const waiting = backend.waitContainer(id);
    backend.exit(id, 3);
    expect(await waiting).toBe(3);
    const info = await backend.inspectContainer('job');
    expect(info.state).toMatchObject({ status: 'exited', running: false, exitCode: 3, oomKilled: false });
    expect(info.state.finishedAt).toBeInstanceOf(Date);
    await settle();
    expect(events.map((e) => e.action)).toEqual(['create', 'start', 'die']);
    expect(events[2]).toMatchObject({ id, exitCode: 3, labels: { job: 'batch' } });
  });

  test('reports an OOM kill before the exit, as the engine does', async () => {
    const events: string[] = [];
    await backend.events({}, { onEvent: (event) => events.push(event.action) });
    const id = await backend.createContainer({ image: IMAGE });
    await backend.startContainer(id);
    backend.exit(id, 137, { oomKilled: true });
    await settle();
    expect(events).toEqual(['create', 'start', 'oom', 'die']);
    expect((await backend.inspectContainer(id)).state).toMatchObject({ exitCode: 137, oomKilled: true });
  });

  test('follows logs (there are none) until the container exits', async () => {
    const id = await backend.createContainer({ image: IMAGE });
    await backend.startContainer(id);
    let ended = false;
    const reading = collect(backend.containerLogs(id, { follow: true })).finally(() => (ended = true));
    await settle();
    expect(ended).toBe(false);
    backend.exit(id, 0);
    expect(await reading).toEqual([]);
  });

  test('resumes after the marks of the lines an earlier reader took, like the engine', async () => {
    const id = await backend.createContainer({ image: IMAGE });
    await backend.startContainer(id);
    for (const [stream, line] of [
      ['stdout', 'a'],
      ['stderr', 'b'],
      ['stdout', 'c'],
      ['stderr', 'd'],
    ] as const) {
      backend.writeLog(id, stream, line);
    }
    const taken: LogLine[] = [];
    for await (const line of backend.containerLogs(id)) if (taken.push(line) === 2) break;
    const after = { stdout: taken[0]!.mark, stderr: taken[1]!.mark };
    expect(await collect(backend.containerLogs(id, { after }))).toEqual(['stdout:c', 'stderr:d']);
  });

  test('attachOutput: offered only when asked for; lines counted per stream; ends on exit, or when cut', async () => {
    const unattached = await backend.createContainer({ image: IMAGE });
    expect(await backend.attachOutput(unattached)).toBeUndefined();

    const attaching = new InMemoryBackend({ images: [IMAGE], attach: true });
    const read = async (batches: AsyncIterable<LogLine[]>) => {
      const out: string[] = [];
      for await (const batch of batches) {
        for (const { stream, line, mark } of batch) out.push(`${stream}:${line}:${(mark as { lines: number }).lines}`);
      }
      return out;
    };
    const id = await attaching.createContainer({ image: IMAGE });
    const exiting = read((await attaching.attachOutput(id))!);
    await attaching.startContainer(id);
    attaching.writeLog(id, 'stdout', 'a');
    attaching.writeLog(id, 'stderr', 'b');
    attaching.writeLog(id, 'stdout', 'c');
    attaching.exit(id, 0);
    expect(await exiting).toEqual(['stdout:a:1', 'stderr:b:1', 'stdout:c:2']);

    const running = await attaching.createContainer({ image: IMAGE });
    const cut = read((await attaching.attachOutput(running))!);
    await attaching.startContainer(running);
    attaching.writeLog(running, 'stdout', 'a');
    await settle();
    attaching.cutAttach(running);
    attaching.writeLog(running, 'stdout', 'b');
    expect(await cut).toEqual(['stdout:a:1']);
    expect((await attaching.inspectContainer(running)).state.running).toBe(true);
    // A position in line counts resumes the log after that many lines of the stream, counting on.
    const after = { stdout: { lines: 1, at: 0 } };
    const rest: string[] = [];
    for await (const line of attaching.containerLogs(running, { after }))
      rest.push(`${line.line}:${JSON.stringify(line.mark)}`);
    expect(rest).toEqual([expect.stringMatching(/^b:\{"lines":2,"at":\d+\}$/)]);
    await attaching.close();
  });

  test('stops with SIGTERM, or kills after the timeout when the signal is ignored', async () => {
    const stubborn = new InMemoryBackend({ images: [IMAGE], script: () => ({ ignoreStopSignal: true }) });
    const id = await stubborn.createContainer({ image: IMAGE });
    await stubborn.startContainer(id);
    const events: string[] = [];
    await stubborn.events(
      {},
      {
        onEvent: (e) =>
          events.push(
            `${e.action}${e.signal ? ` ${e.signal}` : ''}${e.exitCode !== undefined ? ` ${e.exitCode}` : ''}`,
          ),
      },
    );
    await stubborn.stopContainer(id, 0.01);
    await stubborn.stopContainer(id, 0.01);
    await settle();
    expect(events).toEqual(['kill 15', 'kill 9', 'die 137', 'stop']);
    await stubborn.close();

    const polite = await backend.createContainer({ image: IMAGE });
    await backend.startContainer(polite);
    await backend.stopContainer(polite, 10);
    expect((await backend.inspectContainer(polite)).state.exitCode).toBe(143);
    await expect(backend.killContainer(polite)).rejects.toBeInstanceOf(ContainerNotRunningError);
  });

  test('reports health for containers with a health check', async () => {
    const id = await backend.createContainer({ image: IMAGE, healthCheck: { test: ['CMD', 'true'] } });
    await backend.startContainer(id);
    expect((await backend.inspectContainer(id)).state.health?.status).toBe('starting');
    backend.setHealth(id, 'healthy');
    expect((await backend.inspectContainer(id)).state.health).toEqual({ status: 'healthy', failingStreak: 0 });
  });

  test('assigns dynamic host ports while running', async () => {
    const id = await backend.createContainer({
      image: IMAGE,
      ports: [{ containerPort: 80 }, { containerPort: 53, protocol: 'udp', hostPort: 5353 }],
    });
    await backend.startContainer(id);
    const { ports } = await backend.inspectContainer(id);
    expect(ports).toEqual([
      { containerPort: 80, protocol: 'tcp', hostIp: '0.0.0.0', hostPort: 32768 },
      { containerPort: 53, protocol: 'udp', hostIp: '0.0.0.0', hostPort: 5353 },
    ]);
  });

  test('refuses to start a container whose host port a running one publishes', async () => {
    const spec = { image: IMAGE, ports: [{ containerPort: 80, hostPort: 8080 }] };
    const first = await backend.createContainer(spec);
    await backend.startContainer(first);
    const second = await backend.createContainer(spec);
    const failure = await backend.startContainer(second).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(PortInUseError);
    expect(failure).toMatchObject({ hostPort: 8080 });
    await backend.stopContainer(first);
    await backend.startContainer(second);
  });

  test('fails like the engine', async () => {
    await backend.createContainer({ name: 'taken', image: IMAGE });
    await expect(backend.createContainer({ name: 'taken', image: IMAGE })).rejects.toBeInstanceOf(NameConflictError);
    await expect(backend.createContainer({ image: 'missing:1' })).rejects.toBeInstanceOf(ImageNotFoundError);
    // The engine checks the network when the container starts, not when it is created.
    const orphan = await backend.createContainer({ image: IMAGE, networkMode: 'nope' });
    await expect(backend.startContainer(orphan)).rejects.toBeInstanceOf(NetworkNotFoundError);
    // Joining another container's network namespace needs that container running.
    const owner = await backend.createContainer({ image: IMAGE });
    const joiner = await backend.createContainer({ image: IMAGE, networkMode: `container:${owner}` });
    await expect(backend.startContainer(joiner)).rejects.toMatchObject({
      statusCode: 409,
      message: `cannot join network of a non running container: ${owner}`,
    });
    await backend.startContainer(owner);
    await backend.startContainer(joiner);
    await expect(backend.inspectContainer('nope')).rejects.toBeInstanceOf(ContainerNotFoundError);
    await expect(backend.ensureImage('missing:1')).rejects.toThrow(/pull access denied for missing/);
    await expect(backend.ensureImage(IMAGE)).resolves.toMatchObject({ repoTags: [IMAGE] });
  });

  test('removes running containers only when forced; gone is fine then', async () => {
    const id = await backend.createContainer({ image: IMAGE, labels: { app: 'a' } });
    await backend.startContainer(id);
    await expect(backend.removeContainer(id)).rejects.toMatchObject({ statusCode: 409 });
    await expect(backend.removeContainer(id)).rejects.toBeInstanceOf(ContainerBackendError);
    await backend.removeContainer(id, { force: true });
    await backend.removeContainer(id, { force: true });
    await expect(backend.removeContainer(id)).rejects.toBeInstanceOf(ContainerNotFoundError);
  });

  test('lists containers by label', async () => {
    const a = await backend.createContainer({ image: IMAGE, labels: { app: 'a', tier: 'web' } });
    const b = await backend.createContainer({ image: IMAGE, labels: { app: 'b' } });
    await backend.startContainer(a);
    expect((await backend.listContainers({ labels: { app: true } })).map((c) => c.id)).toEqual([a]);
    expect((await backend.listContainers({ all: true, labels: { app: true } })).map((c) => c.id)).toEqual([a, b]);
    expect((await backend.listContainers({ all: true, labels: { app: 'b' } })).map((c) => c.id)).toEqual([b]);
  });

  test('keeps networks and volumes', async () => {
    const id = await backend.ensureNetwork('net');
    expect(await backend.ensureNetwork('net')).toBe(id);
    const container = await backend.createContainer({ image: IMAGE, networkMode: 'net', networkAliases: ['web'] });
    await backend.startContainer(container);
    expect((await backend.inspectContainer(container)).networks).toMatchObject([
      { name: 'net', networkId: id, aliases: ['web'] },
    ]);
    await backend.removeNetwork('net');
    expect(await backend.networkExists('net')).toBe(false);
    await backend.createVolume({ name: 'vol' });
    expect(await backend.volumeExists('vol')).toBe(true);
    await backend.removeVolume('vol');
    await backend.removeVolume('vol');
    expect(await backend.volumeExists('vol')).toBe(false);
  });

  test('a wait can be aborted', async () => {
    const id = await backend.createContainer({ image: IMAGE });
    await backend.startContainer(id);
    const controller = new AbortController();
    const waiting = backend.waitContainer(id, { signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
  });
});
