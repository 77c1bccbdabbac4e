import {
  CreateServiceCommand,
  DeleteServiceCommand,
  DescribeTasksCommand,
  ExecuteCommandCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import { describeWithEngine } from '@localcloud/docker-backend/testing';
import {
  isRunning,
  isStopped,
  removePrefixContainers,
  shellContainer,
  startEcsTestBed,
  waitForTask,
  type EcsTestBed,
} from './support';
import { connect, openWithToken, PluginLikeClient, SsmSessionClient } from './session-clients';

const NOT_ENABLED =
  "The execute command failed because execute command was not enabled when the task was run or the execute command agent isn't running. Wait and try again or run a new task with execute command enabled and try again.";

describeWithEngine('ECS Exec', () => {
  let bed: EcsTestBed;
  /** A RUNNING task of `app` (sleeping) started with execute command enabled. */
  let execTask: Task;

  beforeAll(async () => {
    bed = await startEcsTestBed();
    await bed.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'exec-app',
        networkMode: 'bridge',
        containerDefinitions: [shellContainer('app', 'sleep 3600')],
      }),
    );
    await bed.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'exec-pair',
        networkMode: 'bridge',
        containerDefinitions: [shellContainer('app', 'sleep 3600'), shellContainer('sidecar', 'sleep 3600')],
      }),
    );
    const started = await bed.ecs.send(
      new RunTaskCommand({ taskDefinition: 'exec-app', launchType: 'EC2', enableExecuteCommand: true }),
    );
    execTask = await waitForTask(bed.ecs, started.tasks![0]!.taskArn!, isRunning);
  });
  afterAll(async () => {
    await bed.close();
    await removePrefixContainers(bed.docker, bed.prefix);
  });

  const runTask = async (options: { enableExecuteCommand?: boolean; family?: string } = {}) => {
    const { tasks } = await bed.ecs.send(
      new RunTaskCommand({
        taskDefinition: options.family ?? 'exec-app',
        launchType: 'EC2',
        enableExecuteCommand: options.enableExecuteCommand,
      }),
    );
    return waitForTask(bed.ecs, tasks![0]!.taskArn!, isRunning);
  };

  describe('ExecuteCommand and DescribeTasks', () => {
    it('shows the ExecuteCommandAgent RUNNING on containers of tasks with execute command enabled', async () => {
      const { tasks } = await bed.ecs.send(new DescribeTasksCommand({ tasks: [execTask.taskArn!] }));
      const task = tasks![0]!;
      expect(task.enableExecuteCommand).toBe(true);
      const container = task.containers![0]!;
      expect(container.runtimeId).toMatch(/^[0-9a-f]{64}$/);
      expect(container.managedAgents).toEqual([
        { name: 'ExecuteCommandAgent', lastStatus: 'RUNNING', lastStartedAt: task.startedAt },
      ]);
    });

    it('lists no managed agent on tasks without it', async () => {
      const task = await runTask();
      expect(task.enableExecuteCommand).toBe(false);
      expect(task.containers![0]!.managedAgents).toBeUndefined();
    });

    it('hands out a session whose stream URL is on the address the client used', async () => {
      const result = await bed.ecs.send(
        new ExecuteCommandCommand({ task: execTask.taskArn!, container: 'app', command: '/bin/sh', interactive: true }),
      );
      expect(result).toMatchObject({
        clusterArn: execTask.clusterArn,
        taskArn: execTask.taskArn,
        containerName: 'app',
        containerArn: execTask.containers![0]!.containerArn,
        interactive: true,
      });
      const { sessionId, streamUrl, tokenValue } = result.session!;
      expect(sessionId).toMatch(/^ecs-execute-command-[0-9a-f]{17}$/);
      expect(streamUrl).toBe(
        `${bed.gw.url.replace(/^http:/, 'ws:')}/_localcloud/ecs/data-channel/${sessionId}?role=publish_subscribe`,
      );
      expect(tokenValue!.length).toBeGreaterThanOrEqual(40);
      // A second call is a second session with its own token.
      const again = await bed.ecs.send(
        new ExecuteCommandCommand({ task: execTask.taskArn!, command: '/bin/sh', interactive: true }),
      );
      expect(again.session!.sessionId).not.toBe(sessionId);
      expect(again.session!.tokenValue).not.toBe(tokenValue);
    });

    it('refuses a task started without execute command, as ECS words it', async () => {
      const task = await runTask();
      await expect(
        bed.ecs.send(new ExecuteCommandCommand({ task: task.taskArn!, command: '/bin/sh', interactive: true })),
      ).rejects.toMatchObject({ name: 'InvalidParameterException', message: NOT_ENABLED });
    });

    it('refuses a task that is no longer RUNNING', async () => {
      const task = await runTask({ enableExecuteCommand: true });
      await bed.ecs.send(new StopTaskCommand({ task: task.taskArn! }));
      await waitForTask(bed.ecs, task.taskArn!, isStopped);
      await expect(
        bed.ecs.send(new ExecuteCommandCommand({ task: task.taskArn!, command: '/bin/sh', interactive: true })),
      ).rejects.toMatchObject({ name: 'InvalidParameterException', message: NOT_ENABLED });
    });

    it('supports interactive mode only', async () => {
      await expect(
        bed.ecs.send(new ExecuteCommandCommand({ task: execTask.taskArn!, command: '/bin/sh', interactive: false })),
      ).rejects.toMatchObject({
        name: 'InvalidParameterException',
        message: 'Interactive is the only mode supported currently.',
      });
    });

    it('refuses an unknown container, and a missing one when the task has several', async () => {
      await expect(
        bed.ecs.send(
          new ExecuteCommandCommand({ task: execTask.taskArn!, container: 'nope', command: 'sh', interactive: true }),
        ),
      ).rejects.toMatchObject({
        name: 'InvalidParameterException',
        message: 'The container nope does not exist in the task.',
      });
      const pair = await runTask({ family: 'exec-pair', enableExecuteCommand: true });
      await expect(
        bed.ecs.send(new ExecuteCommandCommand({ task: pair.taskArn!, command: 'sh', interactive: true })),
      ).rejects.toMatchObject({ name: 'InvalidParameterException' });
      const sidecar = await bed.ecs.send(
        new ExecuteCommandCommand({ task: pair.taskArn!, container: 'sidecar', command: 'sh', interactive: true }),
      );
      expect(sidecar.containerName).toBe('sidecar');
    });

    it('refuses unknown tasks and clusters', async () => {
      await expect(
        bed.ecs.send(new ExecuteCommandCommand({ task: 'f'.repeat(32), command: 'sh', interactive: true })),
      ).rejects.toMatchObject({ name: 'InvalidParameterException' });
      await expect(
        bed.ecs.send(
          new ExecuteCommandCommand({ cluster: 'nowhere', task: execTask.taskArn!, command: 'sh', interactive: true }),
        ),
      ).rejects.toMatchObject({ name: 'ClusterNotFoundException' });
    });

    it('starts the tasks of a service with execute command enabled with it enabled', async () => {
      await bed.ecs.send(
        new CreateServiceCommand({
          serviceName: 'exec-svc',
          taskDefinition: 'exec-app',
          desiredCount: 1,
          launchType: 'EC2',
          enableExecuteCommand: true,
        }),
      );
      let taskArn: string | undefined;
      while (!taskArn) {
        taskArn = (await bed.ecs.send(new ListTasksCommand({ serviceName: 'exec-svc' }))).taskArns?.[0];
        if (!taskArn) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const task = await waitForTask(bed.ecs, taskArn, isRunning);
      expect(task.enableExecuteCommand).toBe(true);
      const session = await bed.ecs.send(
        new ExecuteCommandCommand({ task: taskArn, command: 'sh', interactive: true }),
      );
      expect(session.session?.sessionId).toBeDefined();
      await bed.ecs.send(new DeleteServiceCommand({ service: 'exec-svc', force: true }));
    });
  });

  describe('the data channel', () => {
    const execute = (command: string, task: Task = execTask) =>
      bed.ecs
        .send(new ExecuteCommandCommand({ task: task.taskArn!, container: 'app', command, interactive: true }))
        .then((result) => result.session!);

    it('runs a command through ssm-session: its output, then the channel closes when it exits', async () => {
      const session = await execute('echo hello-from-exec');
      const client = await SsmSessionClient.open(session);
      expect(await client.waitFor(/hello-from-exec/)).toMatch(/hello-from-exec\r\n/);
      const ending = await client.ended;
      expect(ending.code).toBe(1000);
      expect(ending.channelClosed).toMatchObject({
        MessageType: 'channel_closed',
        SessionId: session.sessionId,
        Output: '',
        DestinationId: `ecs:default_${execTask.taskArn!.split('/').pop()}_${execTask.containers![0]!.runtimeId}`,
      });
    });

    it('keeps an interactive shell across commands, in the task container', async () => {
      const session = await execute('/bin/sh');
      const client = await SsmSessionClient.open(session);
      client.type('X=4; echo "first-$((X*2))"\r');
      // The terminal echoes the input (`first-$((X*2))`): only the shell's own output says first-8.
      await client.waitFor(/first-8\r\n/);
      client.type('echo "second-$X$X" && hostname\r');
      await client.waitFor(/second-44\r\n/);
      const info = await bed.docker.inspectContainer(execTask.containers![0]!.runtimeId!);
      await client.waitFor(new RegExp(`second-44\\r\\n${info.hostname}\\r\\n`));
      client.type('exit\r');
      expect((await client.ended).channelClosed?.SessionId).toBe(session.sessionId);
    });

    it('sizes the terminal as the client asks, and resizes it', async () => {
      const session = await execute('/bin/sh');
      const client = await SsmSessionClient.open(session, { cols: 80, rows: 24 });
      client.type('stty size\r');
      await client.waitFor(/\r\n24 80\r\n/);
      client.resize(132, 43);
      client.type('stty size\r');
      await client.waitFor(/\r\n43 132\r\n/);
      client.type('exit\r');
      await client.ended;
    });

    it("speaks the session-manager-plugin's way: handshake, numbered input, acknowledgements, digests", async () => {
      const session = await execute('/bin/sh');
      const client = await PluginLikeClient.open(session);
      await client.handshakeComplete;
      const [handshake] = client.received;
      expect(handshake).toMatchObject({ messageType: 'output_stream_data', sequenceNumber: 0, payloadType: 5 });
      expect(JSON.parse(handshake!.payload.toString())).toMatchObject({
        RequestedClientActions: [
          { ActionType: 'SessionType', ActionParameters: { SessionType: 'InteractiveCommands' } },
        ],
      });
      client.resize(100, 30);
      client.type('echo "plugin-$((6*7))"; stty size\r');
      await client.waitFor(/plugin-42\r\n30 100\r\n/);
      client.type('exit\r');
      const ending = await client.ended;
      expect(ending.channelClosed?.SessionId).toBe(session.sessionId);
      expect(client.allDigestsValid()).toBe(true);
      const outputs = client.received.filter((m) => m.messageType === 'output_stream_data');
      expect(outputs.map((m) => m.sequenceNumber)).toEqual(outputs.map((_, i) => i));
      const acked = client.received
        .filter((m) => m.messageType === 'acknowledge')
        .map((m) => JSON.parse(m.payload.toString()).AcknowledgedMessageSequenceNumber);
      expect(acked).toEqual([0, 1, 2, 3]);
    });

    it('refuses a token used twice, a wrong token and an unknown session', async () => {
      const session = await execute('echo once');
      const first = await SsmSessionClient.open(session);
      await first.waitFor(/once/);
      await first.ended;
      expect(await openWithToken(session.streamUrl!, session.tokenValue!)).toEqual({
        code: 1008,
        reason: 'The session token was already used.',
        frames: 0,
      });
      const other = await execute('echo never');
      expect(await openWithToken(other.streamUrl!, session.tokenValue!)).toEqual({
        code: 1008,
        reason: 'The session token is not valid.',
        frames: 0,
      });
      const unknown = other.streamUrl!.replace(other.sessionId!, 'ecs-execute-command-00000000000000000');
      await expect(connect(unknown)).rejects.toThrow('HTTP 404');
      // The refused attempts did not use up the right token.
      const client = await SsmSessionClient.open(other);
      await client.waitFor(/never/);
      await client.ended;
    });

    it('shows why a command missing from the image cannot run, and ends the session', async () => {
      const session = await execute('/bin/bash -l');
      const client = await SsmSessionClient.open(session);
      const ending = await client.ended;
      expect(client.text).toMatch(/executable file not found|no such file or directory/);
      expect(ending.channelClosed?.SessionId).toBe(session.sessionId);
    });

    it('ends the session when the client goes away, hanging up the shell', async () => {
      const session = await execute('/bin/sh');
      const client = await SsmSessionClient.open(session);
      client.type('echo $$ > /tmp/exec-shell.pid; echo started\r');
      await client.waitFor(/started\r\n/);
      (client as unknown as { ws: { terminate(): void } }).ws.terminate();
      // The shell is gone once a new session no longer finds its pid running.
      const probe = await SsmSessionClient.open(
        await execute('sh -c "while kill -0 $(cat /tmp/exec-shell.pid) 2>/dev/null; do sleep 0.1; done; echo gone"'),
      );
      await probe.waitFor(/gone/);
      await probe.ended;
    });
  });
});
