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
fs.writeSync(1, 'ready\n');
for (let i = Number(firstStep); ; i++) {
  runStep(store, i);
  fs.writeSync(1, `${i}\n`);
}
