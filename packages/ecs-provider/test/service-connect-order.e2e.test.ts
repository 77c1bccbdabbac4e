import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import { CreateHttpNamespaceCommand, ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { describeWithEngine } from '@localcloud/docker-backend/testing';
import { testCredentials } from '@localcloud/gateway/testing';
import { removePrefixContainers, shellContainer, startEcsTestBed, type EcsTestBed } from './support';

/*
 * Client before server (issue #16): with an HTTP namespace nothing is in the local DNS's table when the
 * client service's task starts, yet that task must get the local DNS, since its resolver cannot change
 * later. The client calls the alias in a loop and reaches the server once the server service runs.
 */

const network = { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } };
const PORT = 8080;

describeWithEngine('ECS Service Connect: a client started before any name is published', () => {
  let bed: EcsTestBed;
  let sd: ServiceDiscoveryClient;
  const cluster = 'sc-order';
  const namespace = `sco${Date.now().toString(36)}`;

  beforeAll(async () => {
    // A fresh gateway: its name table is empty until the server's alias is published.
    bed = await startEcsTestBed({ SERVICES: 'ecs,servicediscovery', ECS_SCHEDULER_INTERVAL_MS: '200' });
    sd = new ServiceDiscoveryClient({
      endpoint: bed.gw.url,
      region: 'us-east-1',
      credentials: testCredentials(),
      disableHostPrefix: true,
    });
    await bed.ecs.send(new CreateClusterCommand({ clusterName: cluster }));
  });
  afterAll(async () => {
    sd.destroy();
    await bed.close();
    await removePrefixContainers(bed.docker, bed.prefix);
  });

  async function eventually<T>(read: () => Promise<T>, predicate: (value: T) => boolean, what: string): Promise<T> {
    const deadline = Date.now() + 60_000;
    let last: T = await read();
    while (!predicate(last)) {
      if (Date.now() > deadline) throw new Error(`never saw ${what}; last: ${JSON.stringify(last)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
      last = await read();
    }
    return last;
  }

  async function runningTasks(serviceName: string): Promise<Task[]> {
    const { taskArns } = await bed.ecs.send(new ListTasksCommand({ cluster, serviceName, desiredStatus: 'RUNNING' }));
    if (!taskArns?.length) return [];
    const { tasks } = await bed.ecs.send(new DescribeTasksCommand({ cluster, tasks: taskArns }));
    return tasks!.filter((t) => t.lastStatus === 'RUNNING');
  }

  /** What the client's loop has written so far. */
  async function clientOutput(): Promise<string> {
    const [client] = await runningTasks('client');
    const process = await bed.docker.execContainer(client!.containers![0]!.runtimeId!, {
      command: ['cat', '/tmp/calls'],
    });
    let out = '';
    for await (const chunk of process.output) out += Buffer.from(chunk).toString();
    await process.exitCode();
    return out;
  }

  it('gives the client task the local DNS, so it reaches the server once the server service runs', async () => {
    await sd.send(new CreateHttpNamespaceCommand({ Name: namespace }));
    await bed.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'sco-client',
        networkMode: 'awsvpc',
        containerDefinitions: [
          shellContainer(
            'client',
            `while true; do timeout 5 wget -qO- http://backend:${PORT}/ >> /tmp/calls 2>&1; sleep 0.2; done`,
          ),
        ],
      }),
    );
    await bed.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'sco-server',
        networkMode: 'awsvpc',
        containerDefinitions: [
          shellContainer('web', `echo "task $(hostname)" > /tmp/index.html && exec httpd -f -p ${PORT} -h /tmp`, {
            portMappings: [{ name: 'http', containerPort: PORT, appProtocol: 'http' }],
          }),
        ],
      }),
    );

    await bed.ecs.send(
      new CreateServiceCommand({
        cluster,
        serviceName: 'client',
        taskDefinition: 'sco-client',
        desiredCount: 1,
        networkConfiguration: network,
        serviceConnectConfiguration: { enabled: true, namespace },
      }),
    );
    await eventually(
      () => runningTasks('client'),
      (t) => t.length === 1,
      'the client task RUNNING',
    );
    // The client runs and calls before the server exists: every call so far failed.
    await eventually(clientOutput, (out) => out.length > 0, 'a first failed call');
    expect(await clientOutput()).not.toContain('task ');

    const created = Date.now();
    await bed.ecs.send(
      new CreateServiceCommand({
        cluster,
        serviceName: 'server',
        taskDefinition: 'sco-server',
        desiredCount: 1,
        networkConfiguration: network,
        serviceConnectConfiguration: {
          enabled: true,
          namespace,
          services: [
            { portName: 'http', discoveryName: 'backend', clientAliases: [{ port: PORT, dnsName: 'backend' }] },
          ],
        },
      }),
    );
    await eventually(
      () => runningTasks('server'),
      (t) => t.length === 1,
      'the server task RUNNING',
    );
    // Only the server answers "task <hostname>".
    expect(await eventually(clientOutput, (o) => o.includes('task '), 'the client reaching the server')).toMatch(
      /^task \S+$/m,
    );
    console.log(`client reached the server ${Date.now() - created} ms after CreateService(server) returned`);
  });

  it('serves two HTTP aliases of two services on one proxy port, routed by Host header', async () => {
    const shared = 20000 + Math.floor(Math.random() * 10000);
    for (const name of ['alpha', 'beta']) {
      await bed.ecs.send(
        new RegisterTaskDefinitionCommand({
          family: `sco-${name}`,
          networkMode: 'awsvpc',
          containerDefinitions: [
            shellContainer('web', `echo "${name}" > /tmp/index.html && exec httpd -f -p ${PORT} -h /tmp`, {
              portMappings: [{ name: 'http', containerPort: PORT, appProtocol: 'http' }],
            }),
          ],
        }),
      );
      await bed.ecs.send(
        new CreateServiceCommand({
          cluster,
          serviceName: name,
          taskDefinition: `sco-${name}`,
          desiredCount: 1,
          networkConfiguration: network,
          serviceConnectConfiguration: {
            enabled: true,
            namespace,
            services: [{ portName: 'http', discoveryName: name, clientAliases: [{ port: shared, dnsName: name }] }],
          },
        }),
      );
    }
    const call = async (name: string) => {
      const [client] = await runningTasks('client');
      const process = await bed.docker.execContainer(client!.containers![0]!.runtimeId!, {
        command: ['sh', '-c', `timeout 5 wget -qO- http://${name}:${shared}/ 2>&1`],
      });
      let out = '';
      for await (const chunk of process.output) out += Buffer.from(chunk).toString();
      await process.exitCode();
      return out.trim();
    };
    // Both answer on the one port, each with its own service's task.
    expect(
      await eventually(
        () => call('alpha'),
        (o) => o === 'alpha',
        'alpha through the shared port',
      ),
    ).toBe('alpha');
    expect(
      await eventually(
        () => call('beta'),
        (o) => o === 'beta',
        'beta through the shared port',
      ),
    ).toBe('beta');
    expect(await call('alpha')).toBe('alpha');
  });
});
