import { randomBytes } from 'node:crypto';
import {
  CreateClusterCommand,
  DescribeTasksCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import { describeWithEngine, TEST_IMAGE } from '@localcloud/docker-backend/testing';
import { testCredentials } from '@localcloud/gateway/testing';
import { LOADER, startBuiltGateway, type BuiltGateway } from './built-gateway';

/**
 * `npm start`'s file as built: docker-backend's pause image (the network holder of awsvpc tasks) is evaluated
 * on first use in the bundle (scripts/bundle.js, ECS_FIRST_USE). An awsvpc task still gets its holder, made
 * from the stand-in's programs and name, and runs.
 */
describeWithEngine(
  'the built bundle: an awsvpc task through the pause image on first use (needs `npm run build`)',
  () => {
    let gateway: BuiltGateway;
    let ecs: ECSClient;

    beforeAll(async () => {
      gateway = await startBuiltGateway(LOADER, {
        env: { ECS_CONTAINER_PREFIX: `lcp${randomBytes(3).toString('hex')}`, ECS_TASK_OUTPUT: 'off' },
      });
      ecs = new ECSClient({ endpoint: gateway.endpoint, region: 'us-east-1', credentials: testCredentials() });
    });
    afterAll(async () => {
      ecs?.destroy();
      // In memory: stopping removes the task's containers.
      await gateway?.stop();
    });

    async function describe(cluster: string, taskArn: string, until: (task: Task) => boolean): Promise<Task> {
      let last: Task | undefined;
      for (let i = 0; i < 600; i++) {
        last = (await ecs.send(new DescribeTasksCommand({ cluster, tasks: [taskArn] }))).tasks?.[0];
        if (last && until(last)) return last;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`task did not reach the expected state; last seen: ${JSON.stringify(last)}`);
    }

    it('runs and stops an awsvpc task', async () => {
      const cluster = 'pause';
      await ecs.send(new CreateClusterCommand({ clusterName: cluster }));
      await ecs.send(
        new RegisterTaskDefinitionCommand({
          family: 'holder',
          networkMode: 'awsvpc',
          containerDefinitions: [
            { name: 'main', image: TEST_IMAGE, command: ['sh', '-c', 'sleep 60'], memory: 64, stopTimeout: 2 },
          ],
        }),
      );
      const { tasks } = await ecs.send(
        new RunTaskCommand({
          cluster,
          taskDefinition: 'holder',
          networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
        }),
      );
      const taskArn = tasks![0]!.taskArn!;
      const settled = ['RUNNING', 'DEACTIVATING', 'STOPPING', 'DEPROVISIONING', 'STOPPED'];
      const running = await describe(cluster, taskArn, (task) => settled.includes(task.lastStatus!));
      expect({ status: running.lastStatus, reason: running.stoppedReason }).toEqual({
        status: 'RUNNING',
        reason: undefined,
      });
      await ecs.send(new StopTaskCommand({ cluster, task: taskArn }));
      await expect(describe(cluster, taskArn, (task) => task.lastStatus === 'STOPPED')).resolves.toMatchObject({
        lastStatus: 'STOPPED',
      });
    }, 90_000);
  },
);
