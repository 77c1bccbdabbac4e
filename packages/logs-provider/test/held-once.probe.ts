// Prints the heap a persistent Logs stream holds per line, in a process of its own (run with --expose-gc by
// logs-store.test.ts): messages of 1,000 bytes, as separate strings decoded from a Buffer (as the log parser
// makes them). Held once, a line costs its message plus ~200 bytes of event and chunk numbers; held twice
// (the batch's strings beside the chunk's flattened text), over 2,000.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStateStore } from '../src/store/state-store';
import { LogsStore } from '../src/store/logs-store';

const gc = (globalThis as { gc?: () => void }).gc!;
// The heap and array buffers (the store's event columns are typed arrays, outside the heap).
const heapUsed = () => {
  gc();
  gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
};
const NOW = Date.UTC(2030, 0, 15);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logs-store-memory-'));
const durable = openStateStore({ dir });
try {
  const logs = new LogsStore(durable);
  const g = logs.createGroup('/g', NOW);
  const s = logs.createStream(g, 's', NOW);
  const lines = 20_000;
  const size = 1000;
  const before = heapUsed();
  for (let done = 0; done < lines; done += 1000) {
    const buffer = Buffer.from(
      Array.from({ length: 1000 }, (_, i) => `${done + i}`.padEnd(size, 'x')).join(''),
      'latin1',
    );
    const batch = Array.from({ length: 1000 }, (_, i) => ({
      timestamp: NOW + done + i,
      message: buffer.toString('latin1', i * size, (i + 1) * size),
    }));
    logs.append(g, s, batch, NOW);
  }
  const perLine = (heapUsed() - before) / lines;
  process.stdout.write(JSON.stringify({ perLine, events: logs.events(g, s, NOW).length, lines, size }));
} finally {
  durable.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
