import { readFile } from 'node:fs/promises';
import { PassThrough, type Duplex } from 'node:stream';
import type Dockerode from 'dockerode';
import type { ExecOptions, ExecProcess, TerminalSize } from './container-backend';
import type { Demuxer } from './log-stream';

/** How the backend reaches the engine for one exec: each call mapped to backend errors by the caller. */
export interface ExecCalls {
  readonly call: <T>(fn: () => Promise<T>) => Promise<T>;
  readonly demux: Demuxer;
}

const EXIT_POLLS = 50;
const EXIT_POLL_MS = 20;
const HANGUP_GRACE_MS = 2_000;

/** Starts `options.command` in the container and attaches to it (a hijacked connection: stdin and output). */
export async function startExec(
  container: Dockerode.Container,
  containerId: string,
  options: ExecOptions,
  calls: ExecCalls,
): Promise<ExecProcess> {
  const tty = options.tty ?? false;
  const exec = await calls.call(() =>
    container.exec({
      Cmd: [...options.command],
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Tty: tty,
      Env: options.env ? [...options.env] : undefined,
      User: options.user,
      WorkingDir: options.workingDir,
    }),
  );
  const connection = (await calls.call(() => exec.start({ hijack: true, stdin: true, Tty: tty }))) as Duplex;
  // Without a TTY the engine multiplexes stdout and stderr; both go to the one output stream.
  let output: NodeJS.ReadableStream = connection;
  if (!tty) {
    const merged = new PassThrough();
    calls.demux(connection, merged, merged);
    connection.on('end', () => merged.end());
    connection.on('error', (error) => merged.destroy(error));
    output = merged;
  }
  const resize = (size: TerminalSize) => calls.call(() => exec.resize({ h: size.rows, w: size.cols })).then(() => {});
  if (tty && options.size) await resize(options.size).catch(() => {});

  const ended = new Promise<void>((resolve) => {
    connection.once('end', resolve);
    connection.once('close', resolve);
  });
  let closed: Promise<void> | undefined;
  const inspect = () => calls.call(() => exec.inspect());

  return {
    id: exec.id,
    output: output as AsyncIterable<Uint8Array>,
    write: (data) => {
      if (!connection.destroyed && connection.writable) connection.write(data);
    },
    resize,
    async exitCode() {
      await ended;
      // The engine records the exit code a moment after the attached stream ends.
      for (let poll = 0; ; poll++) {
        const info = await inspect();
        if (!info.Running && info.ExitCode !== null) return info.ExitCode;
        if (poll >= EXIT_POLLS) return info.ExitCode ?? -1;
        await new Promise((resolve) => setTimeout(resolve, EXIT_POLL_MS));
      }
    },
    close() {
      closed ??= (async () => {
        connection.destroy();
        // Detaching leaves the process running (Docker has no "kill exec"): hang it up as a closed
        // terminal would, by its host pid, only after checking that pid is in this container's cgroup.
        const info = await inspect().catch(() => undefined);
        if (!info?.Running || !info.Pid) return;
        if (!(await inContainer(info.Pid, containerId))) return;
        signal(info.Pid, 'SIGHUP');
        await new Promise((resolve) => setTimeout(resolve, HANGUP_GRACE_MS).unref());
        const after = await inspect().catch(() => undefined);
        if (after?.Running && after.Pid === info.Pid && (await inContainer(info.Pid, containerId))) {
          signal(info.Pid, 'SIGKILL');
        }
      })();
      return closed;
    },
  };
}

/** Whether the host process `pid` belongs to the container (its cgroup path names the container id). */
async function inContainer(pid: number, containerId: string): Promise<boolean> {
  try {
    return (await readFile(`/proc/${pid}/cgroup`, 'utf8')).includes(containerId);
  } catch {
    // Another pid namespace (e.g. a gateway in a container without the host's pids): leave it.
    return false;
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}
