import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { JournalStateStore, type CompactionStep } from './journal-state-store';
import { dump, expectedAfter, runStep } from './testing/crash-workload';
import { TempDirs, stateFiles } from './testing/temp-dirs';

/*
 * Real crashes: a child process runs the workload against a journal store and is SIGKILLed, by this
 * test after a random delay or by itself at a chosen compaction step. Then the directory must load
 * cleanly and hold exactly the state after every acknowledged step (plus, possibly, some of the group
 * of up to 4 steps in flight when the kill landed: written, but not yet acknowledged).
 */

const CHILD = path.join(__dirname, 'testing', 'crash-child.ts');
const TS_NODE = require.resolve('ts-node/register/transpile-only');
// Small, so that compactions happen all the time and the kills land in them too.
const COMPACT_AFTER_BYTES = 4096;

interface ChildRun {
  /** Steps acknowledged: the last step printed plus one (or `firstStep` if none). */
  readonly acknowledged: number;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
}

function runChild(
  dir: string,
  firstStep: number,
  kill: { afterMs: number } | { atStep: CompactionStep; occurrence: number },
): Promise<ChildRun> {
  const args = [dir, String(COMPACT_AFTER_BYTES), String(firstStep)];
  if ('atStep' in kill) args.push(kill.atStep, String(kill.occurrence));
  const child = spawn(process.execPath, ['-r', TS_NODE, CHILD, ...args], {
    env: { ...process.env, TS_NODE_PROJECT: path.join(__dirname, '..', 'tsconfig.json') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const killer: NodeJS.Timeout[] = [];
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    if (stdout === '' && 'afterMs' in kill) killer.push(setTimeout(() => child.kill('SIGKILL'), kill.afterMs));
    stdout += text;
  });
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  // A child that never gets killed is a failure, not a hang.
  killer.push(setTimeout(() => child.kill('SIGKILL'), 20_000));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    // 'close': the pipe is drained, so every step the child printed has been read.
    child.on('close', (_code, signal) => {
      killer.forEach(clearTimeout);
      const lines = stdout.split('\n').filter((line) => line !== '');
      // Killed while opening (at a compaction step of the first generation) is the one way not to start.
      if (lines[0] !== 'ready' && signal !== 'SIGKILL') return reject(new Error(`the child failed: ${stderr}`));
      const last = lines.at(-1);
      resolve({ acknowledged: last === undefined || last === 'ready' ? firstStep : Number(last) + 1, signal, stderr });
    });
  });
}

/** Opens the crashed directory and returns how many steps it holds: the acknowledged ones, or up to 4 more. */
function recoveredSteps(dir: string, acknowledged: number): number {
  const store = new JournalStateStore({ dir, compactAfterBytes: COMPACT_AFTER_BYTES });
  try {
    const state = dump(store);
    const candidates = [0, 1, 2, 3, 4].map((more) => acknowledged + more);
    const match = candidates.find((steps) => {
      try {
        expect(state).toEqual(expectedAfter(steps));
        return true;
      } catch {
        return false;
      }
    });
    // Fails with a readable diff against the acknowledged state.
    if (match === undefined) expect(state).toEqual(expectedAfter(acknowledged));
    for (const item of store.table<{ createdAt: unknown }>('items').values())
      expect(item.createdAt).toBeInstanceOf(Date);
    return match!;
  } finally {
    store.close();
  }
}

// Each child pays a ts-node start-up, slow on a busy machine.
jest.setTimeout(120_000);

describe('kill -9', () => {
  const dirs = new TempDirs();
  afterEach(() => dirs.removeAll());

  it('loses no acknowledged change over repeated kills at random moments, compactions included', async () => {
    const dir = dirs.make();
    let steps = 0;
    for (let round = 0; round < 5; round++) {
      const run = await runChild(dir, steps, { afterMs: 100 + Math.floor(Math.random() * 250) });
      expect({ signal: run.signal, stderr: run.stderr }).toEqual({ signal: 'SIGKILL', stderr: '' });
      expect(run.acknowledged).toBeGreaterThan(steps);
      steps = recoveredSteps(dir, run.acknowledged);
    }
  });

  it.each<[CompactionStep, number]>([
    // The first occurrences belong to the empty generation a fresh directory starts with.
    ['snapshot-written', 1],
    ['snapshot-installed', 1],
    ['snapshot-written', 3],
    ['snapshot-installed', 3],
    ['journal-started', 3],
    ['old-generation-removed', 3],
  ])('loses no acknowledged change when killed at compaction step %s (occurrence %d)', async (step, occurrence) => {
    const dir = dirs.make();
    const crashed = await runChild(dir, 0, { atStep: step, occurrence });
    expect(crashed.signal).toBe('SIGKILL');
    const steps = recoveredSteps(dir, crashed.acknowledged);
    // Recovery finished the interrupted compaction's clean-up: one generation is left.
    expect(stateFiles(dir)).toEqual([
      expect.stringMatching(/^journal-\d+\.jsonl$/),
      expect.stringMatching(/^snapshot-\d+\.jsonl$/),
    ]);

    // And the recovered directory carries on: more steps, through more compactions, and a reopen.
    const store = new JournalStateStore({ dir, compactAfterBytes: COMPACT_AFTER_BYTES });
    for (let i = steps; i < steps + 300; i++) runStep(store, i);
    store.close();
    expect(recoveredSteps(dir, steps + 300)).toBe(steps + 300);
  });
});
