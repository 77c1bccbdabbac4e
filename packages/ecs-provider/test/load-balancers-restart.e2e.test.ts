import {
  CreateClusterCommand,
  CreateServiceCommand,
  DeleteServiceCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { describeWithEngine } from '@localcloud/docker-backend/testing';
import { testCredentials } from '@localcloud/gateway/testing';
import { useRestartableGateways } from './restartable-gateways';
import { createTargetGroup, freePort, get, healthyIds as healthy, PORT } from './load-balancer-support';
import { ipOf } from './polling';
import { shellContainer } from './support';

/*
 * With PERSISTENCE=1 a gateway killed with SIGKILL comes back with its load balancers, listeners (listening
 * again), target groups and registrations; the service's tasks that kept running receive traffic through
 * the ALB again, and a task killed while the gateway was down leaves its target group for its replacement.
 */

const cluster = 'elbrestart';

describeWithEngine('ECS services behind an ALB across a killed gateway (PERSISTENCE=1)', () => {
  const { docker, ...gateways } = useRestartableGateways('lclb', {
    SERVICES: 'ecs,elasticloadbalancing',
    ECS_SCHEDULER_INTERVAL_MS: '200',
  });

  async function start() {
    const gateway = await gateways.start();
    const options = { endpoint: gateway.url, region: 'us-east-1', credentials: testCredentials() };
    return { gateway, ecs: new ECSClient(options), elb: new ElasticLoadBalancingV2Client(options) };
  }

  async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
    const deadline = Date.now() + 90_000;
    let last: T | undefined;
    while (Date.now() < deadline) {
      try {
        last = await read();
        if (done(last)) return last;
      } catch (error) {
        last = String(error) as T;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`never saw ${what}; last: ${JSON.stringify(last)}`);
  }

  /** n requests through the ALB: the bodies that answered 200 (each task answers its own hostname). */
  async function spread(port: number, n: number): Promise<string[]> {
    const bodies: string[] = [];
    for (let i = 0; i < n; i++) {
      const reply = await get(`http://127.0.0.1:${port}/index.html`);
      if (reply.status === 200) bodies.push(reply.body);
    }
    return bodies;
  }

  it('keeps load balancers, listeners and registrations; running tasks get traffic again, a killed one is replaced', async () => {
    let { gateway, ecs, elb } = await start();
    const listenerPort = await freePort();
    const { LoadBalancers } = await elb.send(new CreateLoadBalancerCommand({ Name: 'kept', Subnets: ['s-1', 's-2'] }));
    const lbArn = LoadBalancers![0]!.LoadBalancerArn!;
    const tgArn = await createTargetGroup(elb, 'kept', { healthCheckPath: '/health', delaySeconds: 2 });
    await elb.send(
      new CreateListenerCommand({
        LoadBalancerArn: lbArn,
        Protocol: 'HTTP',
        Port: listenerPort,
        DefaultActions: [{ Type: 'forward', TargetGroupArn: tgArn }],
      }),
    );
    await ecs.send(new CreateClusterCommand({ clusterName: cluster }));
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'kept-web',
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        containerDefinitions: [
          shellContainer(
            'web',
            `mkdir -p /www && echo "$HOSTNAME" > /www/index.html && echo ok > /www/health && exec httpd -f -p ${PORT} -h /www`,
            { portMappings: [{ containerPort: PORT }] },
          ),
        ],
      }),
    );
    await ecs.send(
      new CreateServiceCommand({
        cluster,
        serviceName: 'kept-web',
        taskDefinition: 'kept-web',
        desiredCount: 2,
        launchType: 'FARGATE',
        networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } },
        loadBalancers: [{ targetGroupArn: tgArn, containerName: 'web', containerPort: PORT }],
      }),
    );
    const health = async () =>
      (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tgArn }))).TargetHealthDescriptions ?? [];
    const before = healthy(await until(health, (l) => l.length === 2 && healthy(l).length === 2, 'two healthy'));
    expect(new Set(await spread(listenerPort, 6)).size).toBe(2);
    const { taskArns } = await ecs.send(new ListTasksCommand({ cluster, serviceName: 'kept-web' }));
    const { tasks } = await ecs.send(new DescribeTasksCommand({ cluster, tasks: taskArns }));
    const [killed, kept] = tasks!;
    expect(tasks!.map(ipOf).sort()).toEqual(before);

    gateway.child.kill('SIGKILL');
    expect(await gateway.exited).toBe('SIGKILL');
    ecs.destroy();
    elb.destroy();
    await expect(get(`http://127.0.0.1:${listenerPort}/index.html`)).rejects.toThrow(/ECONNREFUSED/);
    // One task dies while nobody watches.
    await docker.killContainer(killed!.containers![0]!.runtimeId!, 'SIGKILL');

    ({ gateway, ecs, elb } = await start());
    const lbs = await elb.send(new DescribeLoadBalancersCommand({}));
    expect(lbs.LoadBalancers!.map((l) => l.LoadBalancerArn)).toEqual([lbArn]);
    const listeners = await elb.send(new DescribeListenersCommand({ LoadBalancerArn: lbArn }));
    expect(listeners.Listeners!.map((l) => l.Port)).toEqual([listenerPort]);

    // The kept task's target is still registered and, once checked afresh, serves on the same port; the
    // killed task's target leaves and its replacement's comes in. Compared by task, not by address: the
    // engine may hand the killed task's freed IP to its replacement.
    const running = async () => {
      const listed = await ecs.send(
        new ListTasksCommand({ cluster, serviceName: 'kept-web', desiredStatus: 'RUNNING' }),
      );
      if (!listed.taskArns?.length) return [];
      const described = await ecs.send(new DescribeTasksCommand({ cluster, tasks: listed.taskArns }));
      return (described.tasks ?? []).filter((t) => t.lastStatus === 'RUNNING');
    };
    const served = await until(
      async () => ({ tasks: await running(), targets: await health() }),
      ({ tasks, targets }) =>
        tasks.length === 2 &&
        !tasks.some((t) => t.taskArn === killed!.taskArn) &&
        targets.length === 2 &&
        healthy(targets).join() === tasks.map(ipOf).sort().join(),
      'the kept target and a replacement healthy',
    );
    expect(served.tasks.map((t) => t.taskArn)).toContain(kept!.taskArn);
    expect(healthy(served.targets)).toContain(ipOf(kept!));
    const bodies = await spread(listenerPort, 6);
    expect(bodies).toHaveLength(6);
    expect(new Set(bodies).size).toBe(2);

    await ecs.send(new DeleteServiceCommand({ cluster, service: 'kept-web', force: true }));
    await until(health, (l) => l.length === 0, 'no targets after the service is deleted');
    ecs.destroy();
    elb.destroy();
  }, 240_000);
});
