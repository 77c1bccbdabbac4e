import { DockerodeBackend, type LogLine } from '@localcloud/docker-backend';
import { TEST_IMAGE, TestRun, describeWithEngine } from '@localcloud/docker-backend/testing';
import { createLogger } from '@localcloud/gateway';
import { ContainerOutputFollower, type LineConsumer } from '../src/task-agent/container-output';

/**
 * The engine's attach stream can end while the container runs on (the engine ends its copy, a socket
 * hiccup). A real engine cannot be made to do that on demand, so the stream a real attach opened is ended
 * early, cleanly, here; the container, its json-file log and the engine's answers are real.
 */
describeWithEngine('container output when the attach stream ends while the container runs', () => {
  const backend = new DockerodeBackend();
  const run = new TestRun();
  afterAll(async () => {
    await run.cleanup(backend);
    await backend.close();
  });

  /** The batches until `count` lines were handed on, then a clean end, as an engine that dropped the stream. */
  async function* endingAfter(batches: AsyncIterable<readonly LogLine[]>, count: number, onEnd: () => void) {
    let seen = 0;
    for await (const batch of batches) {
      yield batch;
      seen += batch.length;
      if (seen >= count) break;
    }
    onEnd();
  }

  test('the rest comes from the log after the lines handed on: every line once, in order', async () => {
    // 20,000 lines in bursts of 1,000 every ~0.2 s (about 4 s): the stream ends inside the output.
    const lines = 20_000;
    const script = `awk 'BEGIN { for (i = 0; i < ${lines}; i++) { print "line-" i; if (i % 1000 == 999) system("sleep 0.2") } }'`;
    const id = await backend.createContainer({
      image: TEST_IMAGE,
      name: run.name('attach-ended'),
      labels: run.labels(),
      command: ['sh', '-c', script],
    });
    const controller = new AbortController();
    const attached = (await backend.attachOutput(id, { signal: controller.signal }))!;
    await backend.startContainer(id);
    let runningAtEnd: Promise<boolean> | undefined;
    const batches = endingAfter(attached, 3000, () => {
      controller.abort();
      runningAtEnd = backend.inspectContainer(id).then((info) => info.state.running);
    });
    const taken: string[] = [];
    const consumer: LineConsumer = { add: (batch) => taken.push(...batch.map((l) => l.line)), end: () => undefined };
    const warnings: string[] = [];
    const logger = createLogger('error');
    logger.warn = ((message: string) => {
      warnings.push(message);
      return logger;
    }) as typeof logger.warn;
    const follower = new ContainerOutputFollower(backend, id, [consumer], logger, {
      tty: false,
      attached: { batches, abort: () => controller.abort() },
    });
    await follower.done;

    // It did end early: the container was still writing then.
    expect(await runningAtEnd).toBe(true);
    expect(warnings).toContain(
      'the attached container output ended while the container runs; reading the rest from its log',
    );
    const firstWrong = taken.findIndex((line, i) => line !== `line-${i}`);
    expect({ firstWrong, length: taken.length }).toEqual({ firstWrong: -1, length: lines });
  }, 60_000);
});
