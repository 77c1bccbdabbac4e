import type { LogPosition } from '@localcloud/docker-backend';
import { openStateStore } from '@localcloud/persistence';
import { createLogger } from '@localcloud/gateway';
import { LogPositions, type LogPositionRecord } from './log-positions';

/** A barrier the test opens: stands for the Logs store's fdatasync covering the delivered lines. */
function heldBarrier() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { wait: () => opened, open };
}

function positionsWith(linesDurable: () => Promise<void>) {
  const state = openStateStore({});
  const table = state.table<LogPositionRecord>('logPositions');
  const positions = new LogPositions(state, table, 1_000, createLogger('error'), linesDurable);
  return { table, positions };
}

const position: LogPosition = { stdout: { timestamp: '2026-12-01T02:00:00.000000001Z', count: 3 } };

describe('LogPositions', () => {
  it('writes a position only once the lines delivered up to it are durable in the Logs store', async () => {
    const barrier = heldBarrier();
    const { table, positions } = positionsWith(barrier.wait);
    positions.update('arn:task/1', 'app', position);

    const flushed = positions.flush();
    await new Promise((resolve) => setImmediate(resolve));
    // A position durable before its lines would skip them after a crash.
    expect(table.get('arn:task/1')).toBeUndefined();
    expect(positions.get('arn:task/1', 'app')).toBeUndefined();

    barrier.open();
    await flushed;
    expect(table.get('arn:task/1')).toEqual({ app: position });
  });

  it('does not write back a task forgotten while its lines were becoming durable', async () => {
    const barrier = heldBarrier();
    const { table, positions } = positionsWith(barrier.wait);
    positions.update('arn:task/1', 'app', position);
    const flushed = positions.flush();
    positions.forget('arn:task/1');
    barrier.open();
    await flushed;
    expect(table.has('arn:task/1')).toBe(false);
  });

  it('keeps running when the Logs store cannot make its lines durable: the position is simply not written', async () => {
    const { table, positions } = positionsWith(() => Promise.reject(new Error('fdatasync failed')));
    positions.update('arn:task/1', 'app', position);
    await expect(positions.flush()).resolves.toBeUndefined();
    expect(table.has('arn:task/1')).toBe(false);
  });
});
