import { CreateClusterCommand, CreateServiceCommand, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { CreateHttpNamespaceCommand, type ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { describeWithEngine } from '@localcloud/docker-backend/testing';
import { startCloudMapBed } from './cloud-map-support';
import { eventually, runningTasksOf } from './polling';
import { outputIn, SERVER_SCRIPT } from './service-connect-support';
import { removePrefixContainers, shellContainer, type EcsTestBed } from './support';

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
  let close: () => Promise<void>;
  const cluster = 'sc-order';
  const namespace = `sco${Date.now().toString(36)}`;

  beforeAll(async () => {
    // A fresh gateway: its name table is empty until the server's alias is published.
    ({ bed, sd, close } = await startCloudMapBed({ ECS_SCHEDULER_INTERVAL_MS: '200' }));
    await bed.ecs.send(new CreateClusterCommand({ clusterName: cluster }));
  });
  afterAll(async () => {
    await close();
    await removePrefixContainers(bed.docker, bed.prefix);
  });

  const runningTasks = (serviceName: string) => runningTasksOf(bed.ecs, cluster, serviceName);

  /** What the client's loop has written so far. */
  async function clientOutput(): Promise<string> {
    const [client] = await runningTasks('client');
    return outputIn(bed.docker, client!, ['cat', '/tmp/calls']);
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
          shellContainer('web', SERVER_SCRIPT(PORT), {
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
      const out = await outputIn(bed.docker, client!, [
        'sh',
        '-c',
        `timeout 5 wget -qO- http://${name}:${shared}/ 2>&1`,
      ]);
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
