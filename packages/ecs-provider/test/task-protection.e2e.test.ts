import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeTasksCommand,
  GetTaskProtectionCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
  UpdateServiceCommand,
  UpdateTaskProtectionCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import { describeWithEngine } from '@localcloud/docker-backend/testing';
import { errorOf } from './ecs-test-client';
import {
  isRunning,
  isStopped,
  removePrefixContainers,
  shellContainer,
  startEcsTestBed,
  waitForTask,
  type EcsTestBed,
} from './support';

/**
 * Shell for a task container: GET the protection state with busybox wget, PUT it with busybox nc (busybox
 * wget cannot PUT), as code inside an ECS task calls `$ECS_AGENT_URI/task-protection/v1/state`.
 */
const agentShell = `
hp=\${ECS_AGENT_URI#http://}; hostport=\${hp%%/*}; base=/\${hp#*/}
host=\${hostport%:*}; port=\${hostport##*:}
get() { timeout 5 wget -qO "$1" "$ECS_AGENT_URI/task-protection/v1/state"; }
put() { printf 'PUT %s/task-protection/v1/state HTTP/1.0\\r\\nHost: %s\\r\\nContent-Type: application/json\\r\\nContent-Length: %s\\r\\n\\r\\n%s' "$base" "$hostport" "\${#1}" "$1" | timeout 5 nc "$host" "$port" > "$2"; }
`;

/** The JSON body of a raw HTTP response written by `put`, and its status code. */
function httpResponse(text: string): { status: number; body: Record<string, any> } {
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1]);
  return { status, body: JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as Record<string, any> };
}

describeWithEngine('task scale-in protection', () => {
  let bed: EcsTestBed;
  let hostDir: string;
  const cluster = 'guard';

  beforeAll(async () => {
    bed = await startEcsTestBed({ ECS_SCHEDULER_INTERVAL_MS: '200' });
    await bed.ecs.send(new CreateClusterCommand({ clusterName: cluster }));
  });
  beforeEach(() => {
    hostDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-protect-'));
    fs.chmodSync(hostDir, 0o777);
  });
  afterEach(() => fs.rmSync(hostDir, { recursive: true, force: true }));
  afterAll(async () => {
    await bed.close();
    await removePrefixContainers(bed.docker, bed.prefix);
  });

  const register = async (family: string, script: string) => {
    const { taskDefinition } = await bed.ecs.send(
      new RegisterTaskDefinitionCommand({
        family,
        containerDefinitions: [
          shellContainer('app', `${agentShell}\n${script}\nsleep 3600`, {
            mountPoints: [{ sourceVolume: 'out', containerPath: '/out' }],
            stopTimeout: 1,
          }),
        ],
        volumes: [{ name: 'out', host: { sourcePath: hostDir } }],
      }),
    );
    return taskDefinition!.taskDefinitionArn!;
  };

  const waitForFile = async (file: string): Promise<string> => {
    const full = path.join(hostDir, file);
    const deadline = Date.now() + 30_000;
    while (!fs.existsSync(full) || fs.statSync(full).size === 0) {
      if (Date.now() > deadline) throw new Error(`${file} never written`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return fs.readFileSync(full, 'utf8');
  };

  const serviceTasks = async (service: string, desiredStatus: 'RUNNING' | 'STOPPED' = 'RUNNING'): Promise<Task[]> => {
    const { taskArns } = await bed.ecs.send(new ListTasksCommand({ cluster, serviceName: service, desiredStatus }));
    if (!taskArns?.length) return [];
    return (await bed.ecs.send(new DescribeTasksCommand({ cluster, tasks: taskArns }))).tasks ?? [];
  };

  it('lets code in the task protect itself through $ECS_AGENT_URI, and scale-in stops only the unprotected task', async () => {
    // Two tasks run the same script; the first to create /out/lock protects itself from inside.
    const taskDefinition = await register(
      'guarded',
      `get /out/get-before.json
if mkdir /out/lock 2>/dev/null; then
  put '{"ProtectionEnabled":true,"ExpiresInMinutes":5000}' /out/put-bad.http
  put '{"ProtectionEnabled":true}' /out/put-default.http
  put '{"ProtectionEnabled":true,"ExpiresInMinutes":60}' /out/put.http
  get /out/get-after.json
  wget -qO- "$ECS_CONTAINER_METADATA_URI_V4/task" > /out/protected-task.json
fi`,
    );
    const startedAt = Date.now();
    await bed.ecs.send(new CreateServiceCommand({ cluster, serviceName: 'guarded', taskDefinition, desiredCount: 2 }));

    const put = httpResponse(await waitForFile('put.http'));
    const protectedArn = (JSON.parse(await waitForFile('protected-task.json')) as { TaskARN: string }).TaskARN;
    expect(put.status).toBe(200);
    expect(put.body.protection).toMatchObject({ ProtectionEnabled: true, TaskArn: protectedArn });
    const expiry = Date.parse(put.body.protection.ExpirationDate as string);
    expect(expiry).toBeGreaterThanOrEqual(startedAt + 60 * 60_000 - 1000);
    expect(expiry).toBeLessThanOrEqual(Date.now() + 60 * 60_000 + 1000);

    const getBefore = JSON.parse(await waitForFile('get-before.json')) as Record<string, any>;
    expect(getBefore.protection).toMatchObject({ ProtectionEnabled: false, ExpirationDate: null });
    const getAfter = JSON.parse(await waitForFile('get-after.json')) as Record<string, any>;
    expect(getAfter).toEqual({ protection: put.body.protection });
    // Default expiry is two hours; a later PUT resets it.
    const byDefault = httpResponse(await waitForFile('put-default.http'));
    const defaultExpiry = Date.parse(byDefault.body.protection.ExpirationDate as string);
    expect(defaultExpiry).toBeGreaterThanOrEqual(startedAt + 120 * 60_000 - 1000);
    const bad = httpResponse(await waitForFile('put-bad.http'));
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ Arn: protectedArn, Code: 'InvalidParameterException' });

    // The API sees what the agent endpoint set.
    const viaApi = await bed.ecs.send(new GetTaskProtectionCommand({ cluster, tasks: [protectedArn] }));
    expect(viaApi.failures).toEqual([]);
    expect(viaApi.protectedTasks).toEqual([
      { taskArn: protectedArn, protectionEnabled: true, expirationDate: new Date(expiry) },
    ]);

    const both = await serviceTasks('guarded');
    expect(both).toHaveLength(2);
    await Promise.all(both.map((t) => waitForTask(bed.ecs, t.taskArn!, isRunning, { cluster })));
    const unprotectedArn = both.map((t) => t.taskArn!).find((arn) => arn !== protectedArn)!;

    // Scale-in to zero: the unprotected task stops, the protected one keeps running.
    await bed.ecs.send(new UpdateServiceCommand({ cluster, service: 'guarded', desiredCount: 0 }));
    const stopped = await waitForTask(bed.ecs, unprotectedArn, isStopped, { cluster });
    expect(stopped.stopCode).toBe('ServiceSchedulerInitiated');
    const survivor = (await bed.ecs.send(new DescribeTasksCommand({ cluster, tasks: [protectedArn] }))).tasks![0]!;
    expect(survivor).toMatchObject({ lastStatus: 'RUNNING', desiredStatus: 'RUNNING' });
    expect((await serviceTasks('guarded')).map((t) => t.taskArn)).toEqual([protectedArn]);

    // Protection off: the scheduler stops it.
    const off = await bed.ecs.send(
      new UpdateTaskProtectionCommand({ cluster, tasks: [protectedArn], protectionEnabled: false }),
    );
    expect(off.protectedTasks).toEqual([{ taskArn: protectedArn, protectionEnabled: false }]);
    const last = await waitForTask(bed.ecs, protectedArn, isStopped, { cluster });
    expect(last.stopCode).toBe('ServiceSchedulerInitiated');
  });

  it('keeps a protected task through a deployment until its protection is lifted', async () => {
    const first = await register('rolling', '');
    await bed.ecs.send(
      new CreateServiceCommand({
        cluster,
        serviceName: 'rolling',
        taskDefinition: first,
        desiredCount: 1,
        deploymentConfiguration: { minimumHealthyPercent: 0, maximumPercent: 200 },
      }),
    );
    let old: Task | undefined;
    const deadline = Date.now() + 30_000;
    while (!old && Date.now() < deadline) {
      old = (await serviceTasks('rolling'))[0];
      if (!old) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await waitForTask(bed.ecs, old!.taskArn!, isRunning, { cluster });
    const on = await bed.ecs.send(
      new UpdateTaskProtectionCommand({
        cluster,
        tasks: [old!.taskArn!],
        protectionEnabled: true,
        expiresInMinutes: 30,
      }),
    );
    expect(on.protectedTasks?.[0]).toMatchObject({ protectionEnabled: true });

    const second = await register('rolling', 'true');
    await bed.ecs.send(new UpdateServiceCommand({ cluster, service: 'rolling', taskDefinition: second }));
    // The new deployment's task starts and runs; the protected old one is not stopped meanwhile.
    let fresh: Task | undefined;
    const until = Date.now() + 30_000;
    while (!fresh && Date.now() < until) {
      fresh = (await serviceTasks('rolling')).find((t) => t.taskDefinitionArn === second && t.lastStatus === 'RUNNING');
      if (!fresh) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(fresh).toBeDefined();
    const kept = (await bed.ecs.send(new DescribeTasksCommand({ cluster, tasks: [old!.taskArn!] }))).tasks![0]!;
    expect(kept).toMatchObject({ lastStatus: 'RUNNING', desiredStatus: 'RUNNING' });

    await bed.ecs.send(new UpdateTaskProtectionCommand({ cluster, tasks: [old!.taskArn!], protectionEnabled: false }));
    await waitForTask(bed.ecs, old!.taskArn!, isStopped, { cluster });
    await bed.ecs.send(new UpdateServiceCommand({ cluster, service: 'rolling', desiredCount: 0 }));
    await waitForTask(bed.ecs, fresh!.taskArn!, isStopped, { cluster });
  });

  it('answers standalone and unknown tasks with failures, and out-of-range requests with errors', async () => {
    const taskDefinition = await register('alone', 'get /out/get.json');
    const { tasks } = await bed.ecs.send(new RunTaskCommand({ cluster, taskDefinition }));
    const task = tasks![0]!;
    await waitForTask(bed.ecs, task.taskArn!, isRunning, { cluster });
    const fromInside = JSON.parse(await waitForFile('get.json')) as Record<string, any>;
    expect(fromInside).toEqual({
      failure: { Arn: task.taskArn, Reason: 'TASK_NOT_VALID', Detail: 'The task is not part of a service.' },
    });

    const update = await bed.ecs.send(
      new UpdateTaskProtectionCommand({
        cluster,
        tasks: [task.taskArn!, 'ffffffffffffffffffffffffffffffff'],
        protectionEnabled: true,
      }),
    );
    expect(update.protectedTasks).toEqual([]);
    expect(update.failures).toEqual([
      { arn: task.taskArn, reason: 'TASK_NOT_VALID', detail: 'The task is not part of a service.' },
      { arn: 'ffffffffffffffffffffffffffffffff', reason: 'MISSING' },
    ]);
    for (const expiresInMinutes of [0, 2881]) {
      const error = await errorOf(
        bed.ecs.send(
          new UpdateTaskProtectionCommand({
            cluster,
            tasks: [task.taskArn!],
            protectionEnabled: true,
            expiresInMinutes,
          }),
        ),
      );
      expect([expiresInMinutes, error.name]).toEqual([expiresInMinutes, 'InvalidParameterException']);
    }
    const tooMany = await errorOf(
      bed.ecs.send(
        new UpdateTaskProtectionCommand({
          cluster,
          tasks: Array.from({ length: 11 }, () => task.taskArn!),
          protectionEnabled: true,
        }),
      ),
    );
    expect(tooMany.name).toBe('InvalidParameterException');
    const noCluster = await errorOf(bed.ecs.send(new GetTaskProtectionCommand({ cluster: 'nope' })));
    expect(noCluster.name).toBe('ClusterNotFoundException');
    await bed.ecs.send(new StopTaskCommand({ cluster, task: task.taskArn }));
    await waitForTask(bed.ecs, task.taskArn!, isStopped, { cluster });
  });
});
