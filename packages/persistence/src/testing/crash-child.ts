/*
 * Child process of the kill -9 tests. Usage: crash-child <dir> <compactAfterBytes> <firstStep>
 * [<compaction step> <occurrence>]. Runs workload steps from <firstStep> on, writing "ready" once the
 * store is open and each step's number after the call returns (acknowledged). With a compaction step
 * it SIGKILLs itself when that step is reached for the <occurrence>th time.
 */
import * as fs from 'node:fs';
import { JournalStateStore, type CompactionStep } from '../journal-state-store';
import { runStep } from './crash-workload';

const [dir, compactAfterBytes, firstStep, killAtStep, killAtOccurrence] = process.argv.slice(2);
let occurrences = 0;
const store = new JournalStateStore({
  dir: dir!,
  compactAfterBytes: Number(compactAfterBytes),
  onCompactionStep: (step: CompactionStep) => {
    if (step === killAtStep && ++occurrences === Number(killAtOccurrence)) process.kill(process.pid, 'SIGKILL');
  },
});
// fs.writeSync to fd 1 is synchronous whatever stdout is, so a printed step was acknowledged first.
// Steps come in groups of 1 to 4 sharing one sync (group commit), each printed once durable() resolves.
fs.writeSync(1, 'ready\n');
void (async () => {
  for (let i = Number(firstStep); ;) {
    const group = 1 + (i % 4);
    const first = i;
    for (; i < first + group; i++) runStep(store, i);
    await store.durable();
    for (let step = first; step < i; step++) fs.writeSync(1, `${step}\n`);
  }
})();
