import fs from 'node:fs';
import { Writable } from 'node:stream';
import type { LogLine } from '@localcloud/docker-backend';
import type { Logger } from 'winston';
import type { LineConsumer } from './container-output';

/** Task output held for a console that is not keeping up, before lines are dropped. */
const MAX_BUFFERED_BYTES = 1024 * 1024;
/** How long to wait before writing to a full non-blocking console again. */
const RETRY_MS = 50;
/**
 * Task output is printed at most this often, in one write: each write is a round trip through libuv's
 * thread pool (~17 µs of CPU), which, write after write, took a third of a core from a busy log.
 */
const PRINT_INTERVAL_MS = 25;

/**
 * Writes to a file descriptor without ever blocking the event loop: `fs.write` runs on libuv's thread
 * pool, and a descriptor in non-blocking mode (stdout is, once `process.stdout` has been used on a
 * pipe) answers EAGAIN when full, which is retried later rather than failing the stream.
 */
export class FdWriter extends Writable {
  constructor(private readonly fd: number) {
    super({ highWaterMark: 64 * 1024 });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.writeAll([chunk], done);
  }

  // Chunks written while a write was running, or corked together (`TaskConsole`'s flush), go in one
  // vectored write: no joined copy of them is made.
  override _writev(chunks: { chunk: Buffer }[], done: (error?: Error | null) => void): void {
    this.writeAll(
      chunks.map((c) => c.chunk),
      done,
    );
  }

  private writeAll(data: readonly Buffer[], done: (error?: Error | null) => void): void {
    fs.writev(this.fd, data, null, (error, written) => {
      const code = (error as NodeJS.ErrnoException | null)?.code ?? (error as { info?: { code?: string } })?.info?.code;
      if (error && code !== 'EAGAIN') return done(error);
      const rest = error ? data : unwritten(data, written);
      if (rest.length === 0) return done();
      if (error) setTimeout(() => this.writeAll(rest, done), RETRY_MS);
      else this.writeAll(rest, done);
    });
  }
}

/** What is left of `data` once its first `written` bytes are written. */
function unwritten(data: readonly Buffer[], written: number): Buffer[] {
  let i = 0;
  while (i < data.length && written >= data[i]!.length) written -= data[i++]!.length;
  const rest = data.slice(i);
  if (rest.length > 0 && written > 0) rest[0] = rest[0]!.subarray(written);
  return rest;
}

/**
 * The gateway's console as a place for task output, like `docker compose up`. Writes go to stdout's
 * descriptor through `FdWriter`, not `process.stdout`, which blocks the event loop on a full pipe
 * (`npm start | less`); when the console falls more than 1 MiB behind, lines are dropped and counted
 * rather than slowing the gateway or awslogs delivery.
 */
export class TaskConsole {
  private dropped = 0;
  /**
   * Batches' bytes waiting for the next write: a busy log is read in many small pieces. Each batch is
   * encoded when it arrives; joined into one text at the flush (~300 KB for 25 ms at 100k lines/s), the
   * text and its Buffer were each too large for V8's young generation or malloc's reused heap, fresh pages
   * faulted in each time: ~460 ns a line, against ~90 ns a line encoded batch by batch.
   */
  private held: Buffer[] = [];
  private heldBytes = 0;

  constructor(
    private readonly logger: Logger,
    private readonly out: Writable = new FdWriter(1),
  ) {
    // A closed console (EPIPE) must not take the gateway down.
    this.out.on('error', (error) => this.logger.warn('task output: the console failed', { error: String(error) }));
  }

  /** A consumer that prints one container's lines as `<label> | <line>`. */
  consumer(label: string): LineConsumer {
    const separator = `\n${label} | `;
    return {
      add: (lines: readonly LogLine[]) => {
        if (lines.length === 0) return;
        // One join with the label as separator makes the batch's text flat at once; `+=` per line made a
        // rope of several nodes a line, for the flush's join to walk and copy again.
        const texts = new Array<string>(lines.length);
        for (let i = 0; i < lines.length; i++) texts[i] = lines[i]!.line;
        this.write(encoded(`${label} | ${texts.join(separator)}\n`), lines.length);
      },
      end: () => undefined,
    };
  }

  private write(bytes: Buffer, lines: number): void {
    if (this.out.writableLength + this.heldBytes > MAX_BUFFERED_BYTES || this.out.destroyed) {
      const first = this.dropped === 0;
      this.dropped += lines;
      if (first) {
        this.out.once('drain', () => {
          this.logger.warn('task output: the console did not keep up; lines were dropped', { lines: this.dropped });
          this.dropped = 0;
        });
      }
      return;
    }
    if (this.held.length === 0) setTimeout(() => this.flush(), PRINT_INTERVAL_MS);
    this.held.push(bytes);
    this.heldBytes += bytes.length;
  }

  private flush(): void {
    const held = this.held;
    this.held = [];
    this.heldBytes = 0;
    if (this.out.destroyed) return;
    // Corked, the batches reach the writer together (its `_writev`): one write, as the joined text was.
    this.out.cork();
    for (const bytes of held) this.out.write(bytes);
    this.out.uncork();
  }
}

/**
 * A batch's text as UTF-8. ASCII text (its UTF-8 size is its length) has the same bytes in Latin-1, which
 * is a copy, where the UTF-8 encoder walks it a character at a time; other text is encoded as UTF-8.
 */
function encoded(text: string): Buffer {
  return Buffer.from(text, Buffer.byteLength(text, 'utf8') === text.length ? 'latin1' : 'utf8');
}

/** `hello_1_hello_1f2e3d4c` for `<prefix>_hello_1_hello_<task id>`: the container's name without the prefix, the task id short. */
export function consoleLabel(dockerName: string, prefix: string, taskId: string): string {
  const name = dockerName.startsWith(`${prefix}_`) ? dockerName.slice(prefix.length + 1) : dockerName;
  return name.endsWith(taskId) ? name.slice(0, name.length - taskId.length) + taskId.slice(0, 8) : name;
}
