import type { ContainerBackend, LogLine } from '@localcloud/docker-backend';
import { createLogger } from '@localcloud/gateway';
import { ContainerOutputFollower, type LineConsumer } from './container-output';

const line = (text: string, lines: number): LogLine => ({
  stream: 'stdout',
  timestamp: new Date(0),
  line: text,
  mark: { lines, at: 0 },
});

describe('ContainerOutputFollower', () => {
  it('a consumer that throws on a batch neither stops the attach stream nor makes others get it twice', async () => {
    async function* attached(): AsyncGenerator<readonly LogLine[]> {
      yield [line('one', 1)];
      yield [line('two', 2)];
    }
    const containerLogBatches = jest.fn(async function* (): AsyncGenerator<never> {});
    const backend = { containerLogBatches } as unknown as ContainerBackend;
    const taken: string[] = [];
    const failing: LineConsumer = {
      add: (lines) => {
        if (lines[0]!.line === 'one') throw new Error('consumer broke');
      },
      end: () => undefined,
    };
    const recording: LineConsumer = { add: (lines) => taken.push(...lines.map((l) => l.line)), end: () => undefined };
    const follower = new ContainerOutputFollower(backend, 'c1', [failing, recording], createLogger('error'), {
      attached: { batches: attached(), abort: () => undefined },
    });
    await follower.done;
    expect(taken).toEqual(['one', 'two']);
    // The attach stream ended the output: the log is not read again.
    expect(containerLogBatches).not.toHaveBeenCalled();
  });
});
