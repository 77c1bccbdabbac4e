import {
  CreateClusterCommand,
  CreateServiceCommand,
  type CreateServiceCommandInput,
  DeleteServiceCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DescribeListenersCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ModifyTargetGroupAttributesCommand,
  type TargetHealthDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { describeWithEngine } from '@localcloud/docker-backend/testing';
import { createTargetGroup, elbClient, freePort, get, healthyIds, PORT } from './load-balancer-support';
import { eventually, ipOf } from './polling';
import { removePrefixContainers, shellContainer, startEcsTestBed, type EcsTestBed } from './support';

/*
 * loadBalancers on real containers: an ALB with two path rules in front of two ECS services; each task is
 * registered in its service's target group at its ENI address once it runs, requests reach the right
 * service and spread over its tasks, and a stopping task is deregistered and drained before it stops.
 */

const network = { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'], securityGroups: ['sg-1'] } };
const cluster = 'elb';

describeWithEngine('ECS services behind ELBv2 target groups, on real Docker', () => {
  let bed: EcsTestBed;
  let elb: ElasticLoadBalancingV2Client;
  let listenerPort: number;
  let loadBalancerArn: string;
  const groups: Record<'a' | 'b' | 'c', string> = { a: '', b: '', c: '' };

  beforeAll(async () => {
    bed = await startEcsTestBed({ SERVICES: 'ecs,elasticloadbalancing', ECS_SCHEDULER_INTERVAL_MS: '200' });
    elb = elbClient(bed.gw.url);
    await bed.ecs.send(new CreateClusterCommand({ clusterName: cluster }));

    const { LoadBalancers } = await elb.send(
      new CreateLoadBalancerCommand({ Name: `web${Date.now().toString(36)}`, Subnets: ['subnet-a', 'subnet-b'] }),
    );
    for (const name of ['a', 'b', 'c'] as const) {
      groups[name] = await createTargetGroup(elb, `svc-${name}-${Date.now().toString(36)}`, {
        healthCheckPath: `/${name}/health`,
        delaySeconds: 3,
      });
    }
    loadBalancerArn = LoadBalancers![0]!.LoadBalancerArn!;
    listenerPort = await freePort();
    const { Listeners } = await elb.send(
      new CreateListenerCommand({
        LoadBalancerArn: LoadBalancers![0]!.LoadBalancerArn!,
        Protocol: 'HTTP',
        Port: listenerPort,
        DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404' } }],
      }),
    );
    for (const [priority, name] of [
      [1, 'a'],
      [2, 'b'],
      [3, 'c'],
    ] as const) {
      await elb.send(
        new CreateRuleCommand({
          ListenerArn: Listeners![0]!.ListenerArn!,
          Priority: priority,
          Conditions: [{ Field: 'path-pattern', Values: [`/${name}/*`] }],
          Actions: [{ Type: 'forward', TargetGroupArn: groups[name] }],
        }),
      );
    }

    // c's tasks pass their health checks at first, then fail them (the health file goes away).
    const sicken: Record<string, string> = { a: '', b: '', c: `(sleep 12; rm /www/c/health) & ` };
    for (const name of ['a', 'b', 'c'] as const) {
      await bed.ecs.send(
        new RegisterTaskDefinitionCommand({
          family: `svc-${name}`,
          networkMode: 'awsvpc',
          requiresCompatibilities: ['FARGATE'],
          cpu: '256',
          memory: '512',
          containerDefinitions: [
            shellContainer(
              'web',
              `mkdir -p /www/${name} && echo "${name} $HOSTNAME" > /www/${name}/index.html && echo ok > /www/${name}/health && ` +
                `${sicken[name]}exec httpd -f -p ${PORT} -h /www`,
              { portMappings: [{ containerPort: PORT }] },
            ),
          ],
        }),
      );
    }
  });
  afterAll(async () => {
    elb?.destroy();
    await bed.close();
    await removePrefixContainers(bed.docker, bed.prefix);
  });

  const health = async (name: 'a' | 'b' | 'c') =>
    (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: groups[name] }))).TargetHealthDescriptions ?? [];

  /** Polls DescribeTargetHealth until `predicate` holds. */
  async function targets(
    name: 'a' | 'b' | 'c',
    predicate: (targets: TargetHealthDescription[]) => boolean,
    what: string,
  ): Promise<TargetHealthDescription[]> {
    return eventually(() => health(name), predicate, `target group ${name} showing ${what}`, {
      timeoutMs: 90_000,
      intervalMs: 100,
    });
  }

  async function tasksOf(service: string, desiredStatus: 'RUNNING' | 'STOPPED' = 'RUNNING'): Promise<Task[]> {
    const { taskArns } = await bed.ecs.send(new ListTasksCommand({ cluster, serviceName: service, desiredStatus }));
    if (!taskArns?.length) return [];
    return (await bed.ecs.send(new DescribeTasksCommand({ cluster, tasks: taskArns }))).tasks ?? [];
  }

  it('registers each task of two services at its address; the ALB routes by path and spreads over both tasks', async () => {
    for (const name of ['a', 'b'] as const) {
      await bed.ecs.send(
        new CreateServiceCommand({
          cluster,
          serviceName: `svc-${name}`,
          taskDefinition: `svc-${name}`,
          desiredCount: 2,
          launchType: 'FARGATE',
          networkConfiguration: network,
          loadBalancers: [{ targetGroupArn: groups[name], containerName: 'web', containerPort: PORT }],
        }),
      );
    }
    for (const name of ['a', 'b'] as const) {
      const list = await targets(name, (l) => healthyIds(l).length === 2, 'two healthy targets');
      const running = (await tasksOf(`svc-${name}`)).filter((t) => t.lastStatus === 'RUNNING');
      expect(healthyIds(list)).toEqual(running.map(ipOf).sort());
      expect(list.every((t) => t.Target!.Port === PORT)).toBe(true);

      const replies = [];
      for (let i = 0; i < 10; i++) replies.push(await get(`http://127.0.0.1:${listenerPort}/${name}/index.html`));
      expect(replies.every((r) => r.status === 200 && r.body.startsWith(`${name} `))).toBe(true);
      expect(new Set(replies.map((r) => r.body)).size).toBe(2);

      const { services } = await bed.ecs.send(new DescribeServicesCommand({ cluster, services: [`svc-${name}`] }));
      const messages = services![0]!.events!.map((e) => e.message);
      expect(
        messages.filter((m) => m === `(service svc-${name}) registered 1 targets in (target-group ${groups[name]})`),
      ).toHaveLength(2);
    }
    expect((await get(`http://127.0.0.1:${listenerPort}/other`)).status).toBe(404);
  });

  it('follows scaling: new tasks come in; a task scaled in drains before it stops and leaves the group', async () => {
    await bed.ecs.send(new UpdateServiceCommand({ cluster, service: 'svc-a', desiredCount: 3 }));
    const three = await targets('a', (l) => healthyIds(l).length === 3, 'three healthy targets');
    expect(healthyIds(three)).toEqual(
      (await tasksOf('svc-a'))
        .filter((t) => t.lastStatus === 'RUNNING')
        .map(ipOf)
        .sort(),
    );

    await bed.ecs.send(new UpdateServiceCommand({ cluster, service: 'svc-a', desiredCount: 1 }));
    // Deregistered first; the containers are stopped only after the group's deregistration delay.
    const draining = await targets(
      'a',
      (l) => l.some((t) => t.TargetHealth?.State === 'draining'),
      'a draining target',
    );
    const drainingIp = draining.find((t) => t.TargetHealth?.State === 'draining')!.Target!.Id!;
    const stopping = (await tasksOf('svc-a', 'STOPPED')).find((t) => ipOf(t) === drainingIp)!;
    expect(stopping).toBeDefined();
    // ECS keeps it DEACTIVATING (containers up, requests in flight finishing) until the drain is over.
    expect(stopping.lastStatus).toBe('DEACTIVATING');

    const one = await targets('a', (l) => l.length === 1 && healthyIds(l).length === 1, 'one healthy target');
    const running = (await tasksOf('svc-a')).filter((t) => t.lastStatus === 'RUNNING');
    expect(healthyIds(one)).toEqual(running.map(ipOf));
    for (let i = 0; i < 5; i++) {
      const reply = await get(`http://127.0.0.1:${listenerPort}/a/index.html`);
      expect(reply.status).toBe(200);
    }
    const { services } = await bed.ecs.send(new DescribeServicesCommand({ cluster, services: ['svc-a'] }));
    const messages = services![0]!.events!.map((e) => e.message);
    expect(
      messages.filter((m) => m === `(service svc-a) deregistered 1 targets in (target-group ${groups.a})`),
    ).toHaveLength(2);

    for (const name of ['a', 'b'] as const) {
      await bed.ecs.send(new DeleteServiceCommand({ cluster, service: `svc-${name}`, force: true }));
    }
    await targets('a', (l) => l.length === 0, 'no targets after the service is deleted');
    await targets('b', (l) => l.length === 0, 'no targets after the service is deleted');
  });

  it("replaces a task whose target turns unhealthy, with ECS's stop reason, and registers the replacement", async () => {
    await bed.ecs.send(
      new CreateServiceCommand({
        cluster,
        serviceName: 'svc-c',
        taskDefinition: 'svc-c',
        desiredCount: 1,
        launchType: 'FARGATE',
        networkConfiguration: network,
        loadBalancers: [{ targetGroupArn: groups.c, containerName: 'web', containerPort: PORT }],
      }),
    );
    const first = healthyIds(await targets('c', (l) => healthyIds(l).length === 1, 'a healthy target'))[0]!;
    expect((await get(`http://127.0.0.1:${listenerPort}/c/index.html`)).status).toBe(200);
    const [sick] = (await tasksOf('svc-c')).filter((t) => ipOf(t) === first);
    expect(sick).toBeDefined();

    // Its health file goes away: unhealthy, out of rotation, then stopped by the scheduler and replaced.
    const replaced = await targets(
      'c',
      (l) => l.some((t) => t.Target!.Id !== first && t.TargetHealth?.State === 'healthy'),
      'a healthy replacement',
    );
    expect(healthyIds(replaced)).not.toContain(first);
    const { tasks } = await bed.ecs.send(new DescribeTasksCommand({ cluster, tasks: [sick!.taskArn!] }));
    expect(tasks![0]!.desiredStatus).toBe('STOPPED');
    expect(tasks![0]!.stopCode).toBe('ServiceSchedulerInitiated');
    expect(tasks![0]!.stoppedReason).toBe(`Task failed ELB health checks in (target-group ${groups.c})`);
    const { services } = await bed.ecs.send(new DescribeServicesCommand({ cluster, services: ['svc-c'] }));
    const taskId = sick!.taskArn!.slice(sick!.taskArn!.lastIndexOf('/') + 1);
    expect(services![0]!.events!.map((e) => e.message)).toContain(
      `(service svc-c) (task ${taskId}) failed ELB health checks in (target-group ${groups.c}).`,
    );
    await bed.ecs.send(new DeleteServiceCommand({ cluster, service: 'svc-c', force: true }));
  });

  it('rolls a new deployment out under a steady stream of requests without failing one', async () => {
    await bed.ecs.send(
      new CreateServiceCommand({
        cluster,
        serviceName: 'svc-roll',
        taskDefinition: 'svc-b',
        desiredCount: 2,
        launchType: 'FARGATE',
        networkConfiguration: network,
        loadBalancers: [{ targetGroupArn: groups.b, containerName: 'web', containerPort: PORT }],
      }),
    );
    const before = healthyIds(await targets('b', (l) => l.length === 2 && healthyIds(l).length === 2, 'two healthy'));

    let running = true;
    let ok = 0;
    const failures: string[] = [];
    const stream = (async () => {
      while (running) {
        try {
          const reply = await get(`http://127.0.0.1:${listenerPort}/b/index.html`);
          if (reply.status === 200 && reply.body.startsWith('b ')) ok += 1;
          else failures.push(`${reply.status} ${reply.body}`);
        } catch (error) {
          failures.push(String(error));
        }
      }
    })();
    try {
      await bed.ecs.send(new UpdateServiceCommand({ cluster, service: 'svc-roll', forceNewDeployment: true }));
      // Done: two healthy targets, none of the old ones, nothing draining.
      const after = await targets(
        'b',
        (l) => l.length === 2 && healthyIds(l).length === 2 && healthyIds(l).every((id) => !before.includes(id)),
        'two new healthy targets and no old one',
      );
      expect(healthyIds(after)).toEqual(
        (await tasksOf('svc-roll'))
          .filter((t) => t.lastStatus === 'RUNNING')
          .map(ipOf)
          .sort(),
      );
    } finally {
      running = false;
      await stream;
    }
    console.log(`rolling update under load: ${ok} requests served, ${failures.length} failed`);
    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(0);
    await bed.ecs.send(new DeleteServiceCommand({ cluster, service: 'svc-roll', force: true }));
  });

  it('registers bridge tasks with dynamic host ports as instance targets; the ALB spreads over both', async () => {
    const group = await createTargetGroup(elb, `bridge-${Date.now().toString(36)}`, {
      healthCheckPath: '/d/health',
      targetType: 'instance',
      port: 80,
      delaySeconds: 3,
    });
    const { Listeners } = await elb.send(new DescribeListenersCommand({ LoadBalancerArn: loadBalancerArn }));
    await elb.send(
      new CreateRuleCommand({
        ListenerArn: Listeners![0]!.ListenerArn!,
        Priority: 4,
        Conditions: [{ Field: 'path-pattern', Values: ['/d/*'] }],
        Actions: [{ Type: 'forward', TargetGroupArn: group }],
      }),
    );
    await bed.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'svc-d',
        networkMode: 'bridge',
        containerDefinitions: [
          shellContainer(
            'web',
            `mkdir -p /www/d && echo "d $HOSTNAME" > /www/d/index.html && echo ok > /www/d/health && ` +
              `exec httpd -f -p ${PORT} -h /www`,
            { portMappings: [{ containerPort: PORT, hostPort: 0 }] },
          ),
        ],
      }),
    );
    await bed.ecs.send(
      new CreateServiceCommand({
        cluster,
        serviceName: 'svc-d',
        taskDefinition: 'svc-d',
        desiredCount: 2,
        launchType: 'EC2',
        loadBalancers: [{ targetGroupArn: group, containerName: 'web', containerPort: PORT }],
      }),
    );
    const healthOf = async () =>
      (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: group }))).TargetHealthDescriptions ?? [];
    const until = async (predicate: (l: TargetHealthDescription[]) => boolean, what: string) => {
      const deadline = Date.now() + 90_000;
      let last: TargetHealthDescription[] = [];
      while (Date.now() < deadline) {
        if (predicate((last = await healthOf()))) return last;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`the bridge group never showed ${what}; last: ${JSON.stringify(last)}`);
    };
    const healthy = (l: TargetHealthDescription[]) => l.filter((t) => t.TargetHealth?.State === 'healthy');
    const two = await until((l) => healthy(l).length === 2, 'two healthy targets');

    // As on EC2: the instance's id, on each task's dynamic host port for the container port.
    const running = (await tasksOf('svc-d')).filter((t) => t.lastStatus === 'RUNNING');
    const hostPorts = running.map((t) => t.containers![0]!.networkBindings![0]!.hostPort!).sort();
    expect(hostPorts.every((p) => p !== PORT && p > 0)).toBe(true);
    expect(two.map((t) => t.Target!.Port!).sort()).toEqual(hostPorts);
    const ids = new Set(two.map((t) => t.Target!.Id!));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toMatch(/^i-[0-9a-f]{17}$/);
    expect(running.every((t) => t.containerInstanceArn)).toBe(true);

    const replies = [];
    for (let i = 0; i < 10; i++) replies.push(await get(`http://127.0.0.1:${listenerPort}/d/index.html`));
    expect(replies.every((r) => r.status === 200 && r.body.startsWith('d '))).toBe(true);
    expect(new Set(replies.map((r) => r.body)).size).toBe(2);

    // Scaled in: the task's target drains before the task stops, then one target serves.
    await bed.ecs.send(new UpdateServiceCommand({ cluster, service: 'svc-d', desiredCount: 1 }));
    await until((l) => l.some((t) => t.TargetHealth?.State === 'draining'), 'a draining target');
    const one = await until((l) => l.length === 1 && healthy(l).length === 1, 'one healthy target');
    const left = (await tasksOf('svc-d')).filter((t) => t.lastStatus === 'RUNNING');
    expect(one[0]!.Target!.Port).toBe(left[0]!.containers![0]!.networkBindings![0]!.hostPort);
    expect((await get(`http://127.0.0.1:${listenerPort}/d/index.html`)).status).toBe(200);
    await bed.ecs.send(new DeleteServiceCommand({ cluster, service: 'svc-d', force: true }));
    await until((l) => l.length === 0, 'no targets after the service is deleted');
  });

  it('UpdateService checks new loadBalancers, then moves the service: new tasks register there, old ones drain out', async () => {
    await bed.ecs.send(
      new CreateServiceCommand({
        cluster,
        serviceName: 'svc-move',
        taskDefinition: 'svc-a',
        desiredCount: 1,
        launchType: 'FARGATE',
        networkConfiguration: network,
        loadBalancers: [{ targetGroupArn: groups.a, containerName: 'web', containerPort: PORT }],
      }),
    );
    const [old] = healthyIds(await targets('a', (l) => l.length === 1 && healthyIds(l).length === 1, 'one healthy'));

    // The same checks as CreateService: a group that does not exist, and one whose type misfits awsvpc.
    const refused = async (targetGroupArn: string) => {
      try {
        await bed.ecs.send(
          new UpdateServiceCommand({
            cluster,
            service: 'svc-move',
            loadBalancers: [{ targetGroupArn, containerName: 'web', containerPort: PORT }],
          }),
        );
      } catch (error) {
        return error as { name: string; message: string };
      }
      throw new Error('expected UpdateService to fail');
    };
    const missing = groups.a.replace(/\/[0-9a-f]+$/, '/0000000000000000');
    expect(await refused(missing)).toMatchObject({
      name: 'InvalidParameterException',
      message: `The target group with targetGroupArn ${missing} does not exist.`,
    });
    const { TargetGroups: instance } = await elb.send(
      new CreateTargetGroupCommand({
        Name: `minst-${Date.now().toString(36)}`,
        Protocol: 'HTTP',
        Port: PORT,
        VpcId: 'vpc-1',
        TargetType: 'instance',
      }),
    );
    const movedArn = await createTargetGroup(elb, `moved-${Date.now().toString(36)}`, { healthCheckPath: '/e/health' });
    const { Listeners } = await elb.send(new DescribeListenersCommand({ LoadBalancerArn: loadBalancerArn }));
    for (const [priority, group, path] of [
      [5, instance![0]!.TargetGroupArn!, '/minst/*'],
      [6, movedArn, '/e/*'],
    ] as const) {
      await elb.send(
        new CreateRuleCommand({
          ListenerArn: Listeners![0]!.ListenerArn!,
          Priority: priority,
          Conditions: [{ Field: 'path-pattern', Values: [path] }],
          Actions: [{ Type: 'forward', TargetGroupArn: group }],
        }),
      );
    }
    expect((await refused(instance![0]!.TargetGroupArn!)).message).toBe(
      `The provided target group ${instance![0]!.TargetGroupArn!} has target type instance, which is incompatible with the awsvpc network mode specified in the task definition.`,
    );
    const unchanged = await bed.ecs.send(new DescribeServicesCommand({ cluster, services: ['svc-move'] }));
    expect(unchanged.services![0]!.loadBalancers!.map((l) => l.targetGroupArn)).toEqual([groups.a]);
    expect(unchanged.services![0]!.deployments).toHaveLength(1);

    // A new revision (serving /e/) moves to the new group in the same update.
    await bed.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'svc-e',
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        containerDefinitions: [
          shellContainer(
            'web',
            `mkdir -p /www/e && echo "e $HOSTNAME" > /www/e/index.html && echo ok > /www/e/health && ` +
              `exec httpd -f -p ${PORT} -h /www`,
            { portMappings: [{ containerPort: PORT }] },
          ),
        ],
      }),
    );
    await bed.ecs.send(
      new UpdateServiceCommand({
        cluster,
        service: 'svc-move',
        taskDefinition: 'svc-e',
        loadBalancers: [{ targetGroupArn: movedArn, containerName: 'web', containerPort: PORT }],
      }),
    );
    const movedHealth = async () =>
      (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: movedArn }))).TargetHealthDescriptions ?? [];
    const deadline = Date.now() + 90_000;
    let now: TargetHealthDescription[] = [];
    while (Date.now() < deadline && healthyIds((now = await movedHealth())).length !== 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const [fresh] = healthyIds(now);
    expect(fresh).toBeDefined();
    expect(fresh).not.toBe(old);
    // The old deployment's task leaves the old group (drained), and the new task is not in it.
    await targets('a', (l) => l.length === 0, 'the old task gone from the old group');
    const running = (await tasksOf('svc-move')).filter((t) => t.lastStatus === 'RUNNING');
    expect(running.map(ipOf)).toEqual([fresh]);
    const reply = await get(`http://127.0.0.1:${listenerPort}/e/index.html`);
    expect(reply.status).toBe(200);
    expect(reply.body).toMatch(/^e /);
    const { services } = await bed.ecs.send(new DescribeServicesCommand({ cluster, services: ['svc-move'] }));
    // Only the new deployment's task went into the new group; the old one only left the old group.
    const messages = services![0]!.events!.map((e) => e.message);
    expect(
      messages.filter((m) => m === `(service svc-move) registered 1 targets in (target-group ${movedArn})`),
    ).toEqual([`(service svc-move) registered 1 targets in (target-group ${movedArn})`]);
    expect(messages).toContain(`(service svc-move) deregistered 1 targets in (target-group ${groups.a})`);
    await bed.ecs.send(new DeleteServiceCommand({ cluster, service: 'svc-move', force: true }));
  });

  it("a circuit breaker rollback of an update that moved the service registers the rollback's task in the old group", async () => {
    const group = async (name: string, priority: number) => {
      const arn = await createTargetGroup(elb, `${name}-${Date.now().toString(36)}`, { healthCheckPath: '/a/health' });
      const { Listeners } = await elb.send(new DescribeListenersCommand({ LoadBalancerArn: loadBalancerArn }));
      await elb.send(
        new CreateRuleCommand({
          ListenerArn: Listeners![0]!.ListenerArn!,
          Priority: priority,
          Conditions: [{ Field: 'path-pattern', Values: [`/${name}/*`] }],
          Actions: [{ Type: 'forward', TargetGroupArn: arn }],
        }),
      );
      await elb.send(
        new ModifyTargetGroupAttributesCommand({
          TargetGroupArn: arn,
          Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '3' }],
        }),
      );
      return arn;
    };
    const oldGroup = await group('rbold', 7);
    const newGroup = await group('rbnew', 8);
    const healthOf = async (arn: string) =>
      (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }))).TargetHealthDescriptions ?? [];
    const lbOf = (arn: string) => [{ targetGroupArn: arn, containerName: 'web', containerPort: PORT }];
    await bed.ecs.send(
      new CreateServiceCommand({
        cluster,
        serviceName: 'svc-rb',
        taskDefinition: 'svc-a',
        desiredCount: 1,
        launchType: 'FARGATE',
        networkConfiguration: network,
        loadBalancers: lbOf(oldGroup),
        deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
      }),
    );
    const describe = async () =>
      (await bed.ecs.send(new DescribeServicesCommand({ cluster, services: ['svc-rb'] }))).services![0]!;
    const until = async (what: string, predicate: () => Promise<boolean>) => {
      const deadline = Date.now() + 120_000;
      while (!(await predicate())) {
        if (Date.now() > deadline) throw new Error(`never saw ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    };
    await until(
      'the first deployment completed',
      async () => (await describe()).deployments![0]!.rolloutState === 'COMPLETED',
    );
    const first = (await describe()).deployments![0]!.id!;

    // The update moves to the new group with a revision whose image does not exist: its tasks fail.
    const { taskDefinition: broken } = await bed.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'svc-rb-broken',
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        containerDefinitions: [
          shellContainer('web', 'exit 0', {
            image: 'localcloud-test/no-such-image:latest',
            portMappings: [{ containerPort: PORT }],
          }),
        ],
      }),
    );
    await bed.ecs.send(
      new UpdateServiceCommand({
        cluster,
        service: 'svc-rb',
        taskDefinition: broken!.taskDefinitionArn,
        loadBalancers: lbOf(newGroup),
      }),
    );
    expect((await describe()).loadBalancers).toEqual(lbOf(newGroup));
    await until('the rollback completed', async () => {
      const [primary, ...rest] = (await describe()).deployments!;
      return primary!.id !== first && primary!.rolloutState === 'COMPLETED' && rest.length === 0;
    });

    const service = await describe();
    const rollbackId = service.deployments![0]!.id!;
    expect(service.taskDefinition).toBe(service.deployments![0]!.taskDefinition);
    expect(service.taskDefinition).toMatch(/:task-definition\/svc-a:\d+$/);
    expect(service.loadBalancers).toEqual(lbOf(oldGroup));
    // The rollback's task is the old group's one target; the failed update's group never got one.
    const running = (await tasksOf('svc-rb')).filter((t) => t.lastStatus === 'RUNNING');
    expect(running.map((t) => t.startedBy)).toEqual([rollbackId]);
    const inOld = await targets2(oldGroup, (l) => healthyIds(l).length === 1 && l.length === 1);
    expect(healthyIds(inOld)).toEqual([ipOf(running[0]!)]);
    expect(await healthOf(newGroup)).toEqual([]);
    const messages = service.events!.map((e) => e.message!);
    expect(messages.some((m) => m.includes(`(target-group ${newGroup})`))).toBe(false);
    await bed.ecs.send(new DeleteServiceCommand({ cluster, service: 'svc-rb', force: true }));

    /** Polls a target group by ARN until `predicate` holds. */
    async function targets2(arn: string, predicate: (l: TargetHealthDescription[]) => boolean) {
      let last: TargetHealthDescription[] = [];
      await until(`target group ${arn} as wanted`, async () => predicate((last = await healthOf(arn))));
      return last;
    }
  });

  it('CreateService refuses a target group that does not exist, serves no load balancer, or whose type misfits', async () => {
    const refusal = async (input: Partial<CreateServiceCommandInput>) => {
      try {
        await bed.ecs.send(
          new CreateServiceCommand({ cluster, serviceName: 'bad', taskDefinition: 'svc-a', desiredCount: 1, ...input }),
        );
      } catch (error) {
        return error as { name: string; message: string; $metadata: { httpStatusCode?: number } };
      }
      throw new Error('expected CreateService to fail');
    };
    const lb = (targetGroupArn: string) => [{ targetGroupArn, containerName: 'web', containerPort: PORT }];
    const fargate = { launchType: 'FARGATE' as const, networkConfiguration: network };

    const missing = groups.a.replace(/\/[0-9a-f]+$/, '/0000000000000000');
    const notFound = await refusal({ ...fargate, loadBalancers: lb(missing) });
    expect(notFound).toMatchObject({
      name: 'InvalidParameterException',
      message: `The target group with targetGroupArn ${missing} does not exist.`,
      $metadata: { httpStatusCode: 400 },
    });

    const { TargetGroups: idle } = await elb.send(
      new CreateTargetGroupCommand({
        Name: `idle-${Date.now().toString(36)}`,
        Protocol: 'HTTP',
        Port: PORT,
        VpcId: 'vpc-1',
        TargetType: 'ip',
      }),
    );
    const unused = await refusal({ ...fargate, loadBalancers: lb(idle![0]!.TargetGroupArn!) });
    expect(unused.message).toBe(
      `The target group with targetGroupArn ${idle![0]!.TargetGroupArn!} does not have an associated load balancer.`,
    );

    // An instance target group behind the listener, for an awsvpc task definition; an ip one for bridge.
    const { TargetGroups: instance } = await elb.send(
      new CreateTargetGroupCommand({
        Name: `inst-${Date.now().toString(36)}`,
        Protocol: 'HTTP',
        Port: PORT,
        VpcId: 'vpc-1',
        TargetType: 'instance',
      }),
    );
    const { Listeners } = await elb.send(new DescribeListenersCommand({ LoadBalancerArn: loadBalancerArn }));
    await elb.send(
      new CreateRuleCommand({
        ListenerArn: Listeners![0]!.ListenerArn!,
        Priority: 10,
        Conditions: [{ Field: 'path-pattern', Values: ['/instance/*'] }],
        Actions: [{ Type: 'forward', TargetGroupArn: instance![0]!.TargetGroupArn! }],
      }),
    );
    const misfit = await refusal({ ...fargate, loadBalancers: lb(instance![0]!.TargetGroupArn!) });
    expect(misfit).toMatchObject({
      name: 'InvalidParameterException',
      message: `The provided target group ${instance![0]!.TargetGroupArn!} has target type instance, which is incompatible with the awsvpc network mode specified in the task definition.`,
    });
    await bed.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'bridged',
        networkMode: 'bridge',
        containerDefinitions: [
          shellContainer('web', 'exec httpd -f -p 8080', { portMappings: [{ containerPort: PORT }] }),
        ],
      }),
    );
    const bridged = await refusal({ taskDefinition: 'bridged', loadBalancers: lb(groups.a) });
    expect(bridged.message).toBe(
      `The provided target group ${groups.a} has target type ip, which is incompatible with the bridge network mode specified in the task definition.`,
    );
    const { services } = await bed.ecs.send(new DescribeServicesCommand({ cluster, services: ['bad'] }));
    expect(services).toEqual([]);
  });
});
