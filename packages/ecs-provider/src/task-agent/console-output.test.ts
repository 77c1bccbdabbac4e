import { spawn } from 'node:child_process';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { Logger } from 'winston';
import { TaskConsole, consoleLabel } from './console-output';

const line = (text: string) => ({ stream: 'stdout' as const, timestamp: new Date(), line: text });

describe('consoleLabel', () => {
  it('is the container name without the prefix, with the task id cut to 8 characters', () => {
    const taskId = '1f2e3d4c5b6a79881f2e3d4c5b6a7988';
    expect(consoleLabel(`localcloud_hello_1_hello_${taskId}`, 'localcloud', taskId)).toBe('hello_1_hello_1f2e3d4c');
  });
});

describe('TaskConsole', () => {
  it('writes what arrives together as one write, in order', async () => {
    const chunks: string[] = [];
    let wrote: () => void;
    const written = new Promise<void>((resolve) => (wrote = resolve));
    // Given together to a writer that writes chunks together (FdWriter's writev): one write.
    const out = new Writable({
      writev(pieces: { chunk: Buffer }[], done) {
        chunks.push(Buffer.concat(pieces.map((p) => p.chunk)).toString());
        wrote();
        done();
      },
    });
    const console = new TaskConsole({ warn: () => undefined } as unknown as Logger, out);
    const app = console.consumer('app');
    const sidecar = console.consumer('sidecar');
    for (let i = 0; i < 100; i++) (i % 2 ? sidecar : app).add([line(`${i}`), line(`${i}b`)]);
    expect(chunks).toEqual([]);
    await written;
    expect(chunks).toHaveLength(1);
    expect(chunks[0]!.split('\n').slice(0, 4)).toEqual(['app | 0', 'app | 0b', 'sidecar | 1', 'sidecar | 1b']);
    expect(chunks[0]!.split('\n')).toHaveLength(201);
  });

  it('writes text beyond ASCII as UTF-8', async () => {
    const chunks: Buffer[] = [];
    let wrote: () => void;
    const written = new Promise<void>((resolve) => (wrote = resolve));
    const out = new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk);
        wrote();
        done();
      },
    });
    const app = new TaskConsole({ warn: () => undefined } as unknown as Logger, out).consumer('app');
    app.add([line('caf\u00e9'), line('\u20ac \u{1f600}')]);
    app.add([line('ascii')]);
    await written;
    expect(
      Buffer.concat(chunks).equals(Buffer.from('app | caf\u00e9\napp | \u20ac \u{1f600}\napp | ascii\n', 'utf8')),
    ).toBe(true);
  });

  it('drops and counts lines once the console is more than 1 MiB behind, instead of holding them', async () => {
    let written = 0;
    let stalled: (() => void) | undefined;
    let keepingUp = false;
    // A console that stalls after the first write until told to keep up.
    let wrote: () => void;
    const firstWrite = new Promise<void>((resolve) => (wrote = resolve));
    const out = new Writable({
      write(chunk: Buffer, _encoding, done) {
        wrote();
        written += chunk.toString().split('\n').length - 1;
        if (keepingUp) done();
        else stalled = done;
      },
    });
    const warnings: unknown[][] = [];
    const logger = { warn: (...args: unknown[]) => warnings.push(args) } as unknown as Logger;
    const consumer = new TaskConsole(logger, out).consumer('app_1_app_abcdef12');
    const text = 'x'.repeat(1000);
    for (let i = 0; i < 2048; i++) consumer.add([line(text)]);
    await firstWrite;
    // About 1 MiB is held for the console; the rest of the 2 MiB is not.
    expect(out.writableLength).toBeLessThanOrEqual(1024 * 1024 + 1100);

    const drained = new Promise((resolve) => out.once('drain', resolve));
    keepingUp = true;
    stalled!();
    await drained;
    await new Promise((resolve) => setImmediate(resolve));
    const kept = written;
    expect(kept + (warnings[0]?.[1] as { lines: number }).lines).toBe(2048);
    expect(kept).toBeGreaterThan(1000);
    expect(warnings[0]?.[0]).toMatch(/did not keep up/);
  });
});

describe('FdWriter', () => {
  it('loses nothing on a non-blocking pipe that is full for a while, and never blocks the writer', async () => {
    // A child writes 3 MB (far more than a pipe or socket pair holds) to its stdout, made non-blocking by touching
    // process.stdout as any library may, while this side does not read yet. The child says "full" from the
    // callback of the first fs.writev the full pipe refused (EAGAIN): that callback ran, so its event loop
    // was turning, not blocked in a write. Only then does this side read; a writer that blocked would never
    // say it, and the test would time out.
    const root = path.resolve(__dirname, '../../../..');
    const script = `
      require('ts-node').register({ transpileOnly: true, project: ${JSON.stringify(path.join(root, 'tsconfig.test.json'))} });
      const fs = require('node:fs');
      const write = fs.writev;
      let refused = 0;
      fs.writev = (...args) => {
        const done = args.pop();
        return write(...args, (error, ...rest) => {
          if (error && error.code === 'EAGAIN' && refused++ === 0) process.stderr.write('full\\n');
          done(error, ...rest);
        });
      };
      const { FdWriter } = require(${JSON.stringify(path.join(__dirname, 'console-output.ts'))});
      process.stdout;
      const out = new FdWriter(1);
      out.on('error', (error) => { process.stderr.write('failed: ' + error.message); process.exit(1); });
      for (let i = 0; i < 3000; i++) out.write(i + ' ' + 'x'.repeat(1000) + '\\n');
      out.end(() => process.stderr.write('done'));`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    const closed = new Promise((resolve) => child.once('close', resolve));
    let stderr = '';
    let sawFull: () => void;
    const full = new Promise<void>((resolve) => (sawFull = resolve));
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
      if (stderr.startsWith('full\n')) sawFull();
    });
    child.stdout.pause();
    // A child that fails before filling the pipe still ends the wait (and the test, below).
    await Promise.race([full, closed]);
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stdout.resume();
    const code = await closed.finally(() => child.kill());
    expect({ code, stderr }).toEqual({ code: 0, stderr: 'full\ndone' });
    // Every byte once, in order: a write cut short mid-chunk goes on from where it stopped.
    const lines = stdout.split('\n').filter(Boolean);
    expect(lines.map((l) => Number(l.split(' ')[0]))).toEqual(Array.from({ length: 3000 }, (_, i) => i));
    expect(stdout === Array.from({ length: 3000 }, (_, i) => `${i} ${'x'.repeat(1000)}\n`).join('')).toBe(true);
  }, 30_000);
});
