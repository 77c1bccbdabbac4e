import {
  CreateClusterCommand,
  CreateServiceCommand,
  CreateTaskSetCommand,
  DeleteServiceCommand,
  DeleteTaskSetCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import {
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { describeWithEngine } from '@localcloud/docker-backend/testing';
import { createTargetGroup, elbClient, PORT } from './load-balancer-support';
import { eventually, ipOf } from './polling';
import { removePrefixContainers, shellContainer, startEcsTestBed, type EcsTestBed } from './support';

/*
 * Task sets behind their own target groups, on real containers: with the EXTERNAL deployment controller
 * each CreateTaskSet names its own loadBalancers, and a task launched for a task set is registered in
 * (and deregistered from) that task set's target groups only, never the service's or another set's.
 */

const network = { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'], securityGroups: ['sg-1'] } };
const cluster = 'sets-elb';

describeWithEngine("ECS task sets registered in their own task set's target groups, on real Docker", () => {
  let bed: EcsTestBed;
  let elb: ElasticLoadBalancingV2Client;

  beforeAll(async () => {
    bed = await startEcsTestBed({ SERVICES: 'ecs,elasticloadbalancing', ECS_SCHEDULER_INTERVAL_MS: '200' });
    elb = elbClient(bed.gw.url);
    await bed.ecs.send(new CreateClusterCommand({ clusterName: cluster }));
    await bed.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'sets-web',
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        containerDefinitions: [
          shellContainer('web', `mkdir -p /www && echo ok > /www/health && exec httpd -f -p ${PORT} -h /www`, {
            portMappings: [{ containerPort: PORT }],
          }),
        ],
      }),
    );
  });
  afterAll(async () => {
    elb?.destroy();
    await bed.close();
    await removePrefixContainers(bed.docker, bed.prefix);
  });

  const targetIds = async (group: string) =>
    ((await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: group }))).TargetHealthDescriptions ?? [])
      .map((t) => t.Target!.Id!)
      .sort();

  /** The ENI addresses of a task set's RUNNING tasks. */
  async function addressesOf(taskSetId: string): Promise<string[]> {
    const { taskArns } = await bed.ecs.send(new ListTasksCommand({ cluster, startedBy: taskSetId }));
    if (!taskArns?.length) return [];
    const { tasks } = await bed.ecs.send(new DescribeTasksCommand({ cluster, tasks: taskArns }));
    return tasks!
      .filter((t) => t.lastStatus === 'RUNNING' && t.desiredStatus === 'RUNNING')
      .map(ipOf)
      .sort();
  }

  it("registers each task set's tasks in that task set's target group only; a deleted set's leave it", async () => {
    const stamp = Date.now().toString(36);
    const groups = {
      blue: await createTargetGroup(elb, `blue-${stamp}`, { healthCheckPath: '/health', delaySeconds: 1 }),
      green: await createTargetGroup(elb, `green-${stamp}`, { healthCheckPath: '/health', delaySeconds: 1 }),
    };
    await bed.ecs.send(
      new CreateServiceCommand({
        cluster,
        serviceName: 'bg',
        desiredCount: 1,
        deploymentController: { type: 'EXTERNAL' },
      }),
    );
    const taskSets: Record<'blue' | 'green', string> = { blue: '', green: '' };
    for (const name of ['blue', 'green'] as const) {
      const { taskSet } = await bed.ecs.send(
        new CreateTaskSetCommand({
          cluster,
          service: 'bg',
          taskDefinition: 'sets-web',
          launchType: 'FARGATE',
          networkConfiguration: network,
          scale: { value: 100, unit: 'PERCENT' },
          loadBalancers: [{ targetGroupArn: groups[name], containerName: 'web', containerPort: PORT }],
        }),
      );
      taskSets[name] = taskSet!.id!;
    }

    const read = async () => ({
      blueTasks: await addressesOf(taskSets.blue),
      greenTasks: await addressesOf(taskSets.green),
      blueGroup: await targetIds(groups.blue),
      greenGroup: await targetIds(groups.green),
    });
    const seen = await eventually(
      read,
      (s) =>
        s.blueTasks.length === 1 &&
        s.greenTasks.length === 1 &&
        JSON.stringify(s.blueGroup) === JSON.stringify(s.blueTasks) &&
        JSON.stringify(s.greenGroup) === JSON.stringify(s.greenTasks),
      "each task set's one task in its own target group, and only there",
      { timeoutMs: 90_000 },
    );
    expect(seen.blueTasks).not.toEqual(seen.greenTasks);

    // The blue set goes: its task leaves blue's group (deregistered before it stops); green's stays put.
    await bed.ecs.send(new DeleteTaskSetCommand({ cluster, service: 'bg', taskSet: taskSets.blue, force: true }));
    await eventually(
      () => targetIds(groups.blue),
      (ids) => ids.length === 0,
      'blue group empty',
      {
        timeoutMs: 60_000,
      },
    );
    expect(await targetIds(groups.green)).toEqual(seen.greenTasks);

    await bed.ecs.send(new DeleteServiceCommand({ cluster, service: 'bg', force: true }));
    await eventually(
      () => targetIds(groups.green),
      (ids) => ids.length === 0,
      'green group empty',
      {
        timeoutMs: 60_000,
      },
    );
  }, 240_000);
});
