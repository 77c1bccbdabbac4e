import { InMemoryBackend, type ContainerBackend, type LogLine, type LogPosition } from '@localcloud/docker-backend';
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
    // The stream ended with the container: it had exited by then.
    const inspectContainer = async () => ({ state: { running: false, finishedAt: new Date(0) } });
    const backend = { containerLogBatches, inspectContainer } as unknown as ContainerBackend;
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

  describe('an attach stream that ends while the container runs (in-memory engine)', () => {
    const image = 'app:1';
    const tick = () => new Promise((resolve) => setImmediate(resolve));

    /** A started container attached before its start, and a follower reading it into `taken`. */
    async function following() {
      const backend = new InMemoryBackend({ images: [image], attach: true });
      const id = await backend.createContainer({ image });
      const controller = new AbortController();
      const batches = (await backend.attachOutput(id, { signal: controller.signal }))!;
      await backend.startContainer(id);
      const taken: string[] = [];
      const marks: LogPosition[] = [];
      let ended = 0;
      const consumer: LineConsumer = {
        add: (lines) => {
          taken.push(...lines.map((l) => l.line));
          const last = lines[lines.length - 1]!;
          marks.push({ [last.stream]: last.mark });
        },
        end: () => void ended++,
      };
      const logBatches = jest.spyOn(backend, 'containerLogBatches');
      const follower = new ContainerOutputFollower(backend, id, [consumer], createLogger('error'), {
        attached: { batches, abort: () => controller.abort() },
      });
      return { backend, id, follower, taken, marks, logBatches, ended: () => ended };
    }

    it('goes on from the log after the lines it handed on: none lost, none twice', async () => {
      const { backend, id, follower, taken, marks, logBatches, ended } = await following();
      backend.writeLog(id, 'stdout', 'one');
      backend.writeLog(id, 'stderr', 'two');
      await tick();
      expect(taken).toEqual(['one', 'two']);
      // Written, then the stream ends before handing it on: only the log has it, and what follows.
      backend.writeLog(id, 'stdout', 'three');
      backend.cutAttach(id);
      backend.writeLog(id, 'stdout', 'four');
      await tick();
      backend.writeLog(id, 'stderr', 'five');
      await tick();
      expect(taken).toEqual(['one', 'two', 'three', 'four', 'five']);
      // Still following, not ended: the container runs.
      expect(ended()).toBe(0);
      expect(logBatches).toHaveBeenCalledTimes(1);
      expect(logBatches.mock.calls[0]![1]).toMatchObject({ follow: true, after: { stdout: { lines: 1 } } });
      backend.writeLog(id, 'stdout', 'six');
      backend.exit(id, 0);
      await follower.done;
      expect(taken).toEqual(['one', 'two', 'three', 'four', 'five', 'six']);
      expect(ended()).toBe(1);
      // Positions stay line counts, so a restart resumes after exactly these lines.
      expect(marks[marks.length - 1]).toEqual({ stdout: { lines: 4, at: expect.any(Number) } });
    });

    it('from the log start when the stream ended before handing on any line', async () => {
      const { backend, id, follower, taken } = await following();
      backend.writeLog(id, 'stdout', 'one');
      backend.cutAttach(id);
      backend.writeLog(id, 'stdout', 'two');
      await tick();
      backend.exit(id, 0);
      await follower.done;
      expect(taken).toEqual(['one', 'two']);
    });

    it('does not read the log when the stream ended because the container exited', async () => {
      const { backend, id, follower, taken, logBatches } = await following();
      backend.writeLog(id, 'stdout', 'one');
      backend.writeLog(id, 'stdout', 'two');
      backend.exit(id, 0);
      await follower.done;
      expect(taken).toEqual(['one', 'two']);
      expect(logBatches).not.toHaveBeenCalled();
    });

    it('reads the log when the container exited only after the stream ended (its last lines are there)', async () => {
      const { backend, id, follower, taken, logBatches } = await following();
      backend.writeLog(id, 'stdout', 'one');
      await tick();
      const inspect = backend.inspectContainer.bind(backend);
      // The stream ends; before the engine is asked, the container writes once more and exits.
      jest.spyOn(backend, 'inspectContainer').mockImplementationOnce(async (ref) => {
        backend.writeLog(id, 'stdout', 'last');
        await new Promise((resolve) => setTimeout(resolve, 5));
        backend.exit(id, 0);
        return inspect(ref);
      });
      backend.cutAttach(id);
      await follower.done;
      expect(taken).toEqual(['one', 'last']);
      expect(logBatches).toHaveBeenCalledTimes(1);
    });

    it('counts a container removed meanwhile as ended', async () => {
      const { backend, id, follower, taken, logBatches } = await following();
      backend.writeLog(id, 'stdout', 'one');
      await tick();
      jest.spyOn(backend, 'inspectContainer').mockImplementationOnce(async () => {
        await backend.removeContainer(id, { force: true });
        return backend.inspectContainer(id);
      });
      backend.cutAttach(id);
      await follower.done;
      expect(taken).toEqual(['one']);
      expect(logBatches).not.toHaveBeenCalled();
    });
  });
});
