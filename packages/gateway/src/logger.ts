import * as fs from 'node:fs';
import { Writable } from 'node:stream';
import winston from 'winston';

/** Logfmt-like single lines on stderr, so stdout stays free for tools that wrap the gateway. */
export function createLogger(level: string): winston.Logger {
  return winston.createLogger({
    level,
    format: winston.format.combine(
      winston.format.timestamp(),
      winston.format.printf(({ timestamp, level: lvl, message, ...meta }) => {
        let fields = '';
        for (const key in meta) {
          const value = meta[key];
          fields += ` ${key}=${typeof value === 'string' ? quote(value) : JSON.stringify(value)}`;
        }
        return `${timestamp} ${lvl} ${message}${fields}`;
      }),
    ),
    transports: [new winston.transports.Stream({ stream: stderrLines() })],
  });
}

function quote(value: string): string {
  return /[\s"=]/.test(value) ? JSON.stringify(value) : value;
}

const MESSAGE = Symbol.for('message');

/** A stream of winston's formatted entries into the stderr sink, for winston's Stream transport. */
function stderrLines(): Writable {
  return new Writable({
    objectMode: true,
    write(info: Record<string | symbol, unknown>, _encoding, callback) {
      stderrSink.write(`${String(info[MESSAGE])}\n`);
      callback();
    },
  });
}

/**
 * Lines to stderr without a synchronous write per line (a write to a pipe or a file is synchronous in
 * Node on Linux, so one per request cost the request path a system call): lines logged in the same
 * turn of the event loop are joined and written together by one asynchronous write, one write at a
 * time and in order. Lines still waiting when the process exits are written synchronously then.
 */
class AsyncLineSink {
  private pending: string[] = [];
  private busy = false;
  private exitHooked = false;

  constructor(private readonly fd: number) {}

  write(line: string): void {
    this.pending.push(line);
    if (!this.exitHooked) {
      this.exitHooked = true;
      process.once('exit', () => this.flushSync());
    }
    if (!this.busy) {
      this.busy = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    if (this.pending.length === 0) {
      this.busy = false;
      return;
    }
    const buffer = Buffer.from(this.pending.join(''), 'utf8');
    this.pending = [];
    this.writeAll(buffer, 0);
  }

  private writeAll(buffer: Buffer, offset: number): void {
    fs.write(this.fd, buffer, offset, buffer.length - offset, null, (error, written) => {
      if (error && (error as NodeJS.ErrnoException).code === 'EAGAIN') {
        // A non-blocking pipe that is full: try again shortly, keeping the order.
        setTimeout(() => this.writeAll(buffer, offset), 1);
        return;
      }
      // Any other failure (stderr closed): the log has nowhere to go; drop the batch.
      if (!error && offset + written < buffer.length) return this.writeAll(buffer, offset + written);
      this.flush();
    });
  }

  private flushSync(): void {
    if (this.pending.length === 0) return;
    const text = this.pending.join('');
    this.pending = [];
    try {
      fs.writeSync(this.fd, text);
    } catch {
      // stderr is gone; nothing to do at exit.
    }
  }
}

const stderrSink = new AsyncLineSink(2);
