import { InMemoryBackend } from '@localcloud/docker-backend';
import { createLogger } from '@localcloud/gateway';
import { LABELS } from './labels';
import { loadEcsRuntimeConfig } from './runtime-config';
import type { TaskRuntime } from './task-runtime';
import { TaskSupervisor } from './task-supervisor';

const KNOWN = 'arn:aws:ecs:us-east-1:000000000000:task/default/0123456789abcdef0123456789abcdef';
const UNKNOWN = 'arn:aws:ecs:us-east-1:000000000000:task/default/ffffffffffffffffffffffffffffffff';

/** Labels as the provider writes them; `instance: undefined` as written before instance labels existed. */
const labels = (taskArn: string, instance: string | undefined): Record<string, string> => ({
  [LABELS.managed]: 'localcloud',
  ...(instance === undefined ? {} : { [LABELS.instance]: instance }),
  [LABELS.accountId]: '000000000000',
  [LABELS.region]: 'us-east-1',
  [LABELS.taskArn]: taskArn,
  [LABELS.containerName]: 'app',
});

describe('TaskSupervisor with another gateway on the same engine and prefix', () => {
  const backend = new InMemoryBackend({ images: ['busybox'] });
  const exits: { taskArn: string; exitCode?: number }[] = [];
  const runtime = {
    containerStarted: () => undefined,
    containerExited: (ref: { taskArn: string }, _name: string, exitCode?: number) =>
      exits.push({ taskArn: ref.taskArn, exitCode }),
    containerHealth: () => undefined,
    mutate: () => undefined,
  } as unknown as TaskRuntime;
  const repository = {
    unfinished: () => [],
    get: () => undefined,
    forgetStoppedBefore: () => 0,
  } as unknown as ConstructorParameters<typeof TaskSupervisor>[2];
  const supervisor = new TaskSupervisor(
    backend,
    runtime,
    repository,
    loadEcsRuntimeConfig({}),
    'ours',
    createLogger('error'),
    (taskArn) => taskArn === KNOWN,
  );
  afterAll(() => supervisor.close());

  const run = async (containerLabels: Record<string, string>) => {
    const id = await backend.createContainer({ image: 'busybox', labels: containerLabels });
    await backend.startContainer(id);
    return id;
  };
  const exists = (id: string) =>
    backend.inspectContainer(id).then(
      () => true,
      () => false,
    );

  it("removes only its own containers of unknown tasks at start, never another instance's", async () => {
    const ownOrphan = await run(labels(UNKNOWN, 'ours'));
    const theirs = await run(labels(UNKNOWN, 'theirs'));
    const unlabelled = await run(labels(UNKNOWN, undefined));
    await supervisor.start();
    expect(await exists(ownOrphan)).toBe(false);
    expect(await exists(theirs)).toBe(true);
    expect(await exists(unlabelled)).toBe(true);
  });

  it("ignores events of another instance's containers, even for a task ARN it knows", async () => {
    exits.splice(0);
    // A copied data directory or a reused id: same ARN, another owner.
    const impostor = await run(labels(KNOWN, 'theirs'));
    const mine = await run(labels(KNOWN, 'ours'));
    const fromBefore = await run(labels(KNOWN, undefined));
    backend.exit(impostor, 3);
    backend.exit(mine, 4);
    backend.exit(fromBefore, 5);
    // Events arrive in order: once the last one is seen, the impostor's was judged too.
    for (let i = 0; i < 100 && exits.length < 2; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(exits).toEqual([
      { taskArn: KNOWN, exitCode: 4 },
      { taskArn: KNOWN, exitCode: 5 },
    ]);
  });
});
