import { DockerodeBackend } from './dockerode-backend';
import type { ExecProcess } from './container-backend';
import { ContainerNotRunningError } from './errors';
import { describeWithEngine, TEST_IMAGE, TestRun } from './testing';

/** Reads the process's output until `pattern` shows (or the output ends); returns all read so far. */
async function readUntil(reader: AsyncIterator<Uint8Array>, pattern: RegExp, seen = { text: '' }): Promise<string> {
  while (!pattern.test(seen.text)) {
    const next = await reader.next();
    if (next.done) break;
    seen.text += Buffer.from(next.value).toString();
  }
  return seen.text;
}

describeWithEngine('DockerodeBackend.execContainer', () => {
  const backend = new DockerodeBackend();
  const run = new TestRun();
  let id: string;

  beforeAll(async () => {
    id = await backend.createContainer({
      name: run.name('exec'),
      image: TEST_IMAGE,
      command: ['sleep', '3600'],
      labels: run.labels(),
    });
    await backend.startContainer(id);
  });
  afterAll(async () => {
    await run.cleanup(backend);
    await backend.close();
  });

  it('runs a command with a TTY and reports its exit code', async () => {
    const proc = await backend.execContainer(id, {
      command: ['sh', '-c', 'echo out; echo err >&2; exit 3'],
      tty: true,
    });
    let text = '';
    for await (const chunk of proc.output) text += Buffer.from(chunk).toString();
    expect(text).toBe('out\r\nerr\r\n');
    expect(await proc.exitCode()).toBe(3);
  });

  it('merges stdout and stderr without a TTY', async () => {
    const proc = await backend.execContainer(id, { command: ['sh', '-c', 'echo out; echo err >&2'], tty: false });
    let text = '';
    for await (const chunk of proc.output) text += Buffer.from(chunk).toString();
    expect(text.split('\n').sort()).toEqual(['', 'err', 'out']);
    expect(await proc.exitCode()).toBe(0);
  });

  it('feeds stdin to an interactive shell and resizes its terminal', async () => {
    const proc: ExecProcess = await backend.execContainer(id, {
      command: ['sh'],
      tty: true,
      size: { cols: 91, rows: 33 },
    });
    const reader = proc.output[Symbol.asyncIterator]();
    const seen = { text: '' };
    proc.write(Buffer.from('stty size\r'));
    expect(await readUntil(reader, /33 91\r\n/, seen)).toMatch(/33 91\r\n/);
    await proc.resize({ cols: 120, rows: 50 });
    proc.write(Buffer.from('stty size; exit 5\r'));
    expect(await readUntil(reader, /50 120\r\n/, seen)).toMatch(/50 120\r\n/);
    await readUntil(reader, /$^/, seen); // to the end of the output
    expect(await proc.exitCode()).toBe(5);
  });

  it('hangs up a process still running when closed', async () => {
    const proc = await backend.execContainer(id, { command: ['sh'], tty: true });
    const reader = proc.output[Symbol.asyncIterator]();
    proc.write(Buffer.from('echo ready\r'));
    await readUntil(reader, /ready\r\n/);
    await proc.close();
    expect(await proc.exitCode()).not.toBe(0);
  });

  it('refuses a container that is not running', async () => {
    const stopped = await backend.createContainer({ name: run.name('idle'), image: TEST_IMAGE, labels: run.labels() });
    await expect(backend.execContainer(stopped, { command: ['true'] })).rejects.toBeInstanceOf(
      ContainerNotRunningError,
    );
  });
});
