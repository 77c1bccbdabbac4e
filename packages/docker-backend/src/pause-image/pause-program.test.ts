import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pauseProgram, type PauseArchitecture } from './pause-program';
import { inCi } from '../testing/in-ci';

const dir = mkdtempSync(path.join(tmpdir(), 'pause-program-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeProgram(arch: PauseArchitecture): string {
  const file = path.join(dir, `pause-${arch}`);
  writeFileSync(file, pauseProgram(arch), { mode: 0o755 });
  return file;
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
}

/** Polls until `check` holds; fails with `what` after 10 s. */
async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Signals the process has a handler for, from /proc (bit n-1 for signal n). */
function caughtSignals(pid: number): bigint {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return BigInt(`0x${/^SigCgt:\s*([0-9a-f]+)$/m.exec(status)![1]}`);
}

const SIGINT_SIGTERM = (1n << 1n) | (1n << 14n);
const native: PauseArchitecture | undefined =
  process.arch === 'x64' ? 'amd64' : process.arch === 'arm64' ? 'arm64' : undefined;

describe('pauseProgram', () => {
  test.each([
    ['amd64', 62],
    ['arm64', 183],
  ] as const)(
    '%s is a static ELF executable for its machine, entered right after its one program header',
    (arch, machine) => {
      const elf = pauseProgram(arch);
      expect(elf.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
      expect(elf.readUInt16LE(16)).toBe(2); // ET_EXEC
      expect(elf.readUInt16LE(18)).toBe(machine);
      expect(elf.readBigUInt64LE(24)).toBe(0x400000n + 120n); // entry
      expect(elf.readUInt16LE(56)).toBe(1); // one program header…
      expect(elf.readBigUInt64LE(64 + 32)).toBe(BigInt(elf.length)); // …loading the whole file
      expect(elf.length).toBeLessThan(300);
    },
  );

  (native ? describe : describe.skip)(`${native} natively`, () => {
    test.each(['SIGTERM', 'SIGINT'] as const)('blocks until %s, then exits 0', async (signal) => {
      const child = spawn(writeProgram(native!), { stdio: 'ignore' });
      const exit = exited(child);
      // Handlers installed means the signal will be caught, not fatal.
      await until(() => (caughtSignals(child.pid!) & SIGINT_SIGTERM) === SIGINT_SIGTERM, 'the signal handlers');
      expect(child.exitCode).toBeNull();
      child.kill(signal);
      expect(await exit).toEqual({ code: 0, signal: null });
    });
  });

  // The other architecture runs under qemu's user-mode emulator when it is installed (qemu-user-static).
  const foreign: PauseArchitecture = native === 'arm64' ? 'amd64' : 'arm64';
  const qemu = `qemu-${foreign === 'arm64' ? 'aarch64' : 'x86_64'}-static`;
  const hasQemu = spawnSync('sh', ['-c', `command -v ${qemu}`]).status === 0;
  // CI installs qemu (.ci/run), so there a missing emulator fails rather than skips.
  (hasQemu || inCi() ? describe : describe.skip)(`${foreign} under ${qemu}`, () => {
    test('blocks until SIGTERM, then exits 0', async () => {
      // qemu catches every signal itself, so /proc says nothing; its syscall trace shows the wait began.
      const child = spawn(qemu, ['-strace', writeProgram(foreign)], { stdio: ['ignore', 'ignore', 'pipe'] });
      const exit = exited(child);
      let trace = '';
      child.stderr!.on('data', (chunk: Buffer) => (trace += chunk.toString()));
      const waitCall = foreign === 'arm64' ? 'ppoll(' : 'pause(';
      await until(() => trace.includes(waitCall), `the program to wait; trace so far: ${trace}`);
      expect(trace).toMatch(/rt_sigaction\(SIGTERM,0x[0-9a-f]+,NULL\) = 0/);
      expect(trace).toMatch(/rt_sigaction\(SIGINT,0x[0-9a-f]+,NULL\) = 0/);
      child.kill('SIGTERM');
      expect(await exit).toEqual({ code: 0, signal: null });
      expect(trace).toContain('exit_group(0)');
    });
  });
});
