import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CreateClusterCommand, CreateServiceCommand, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { DockerodeBackend } from '@localcloud/docker-backend';
import { describeWithEngine } from '@localcloud/docker-backend/testing';
import { cloudMapClient, createHttpNamespace } from './cloud-map-support';
import { eventually, runningTasksOf } from './polling';
import { answersFrom as answersIn, SERVER_SCRIPT } from './service-connect-support';
import { removePrefixContainers, shellContainer, startEcsTestBed, type EcsTestBed } from './support';

/*
 * With PERSISTENCE=1, Service Connect keeps working across a gateway restart: the tasks keep running, and
 * the new process publishes the client aliases and opens the alias proxy again, so a client task that
 * lived through the restart still reaches both server tasks by name.
 */
describeWithEngine('ECS Service Connect across a gateway restart', () => {
  const prefix = `lcscr${process.pid.toString(36)}`;
  const docker = new DockerodeBackend();
  const cluster = 'scr';
  const PORT = 8080;
  let dataDir: string;
  let bed: EcsTestBed | undefined;

  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-sc-restart-'));
  });
  afterAll(async () => {
    await bed?.close();
    await removePrefixContainers(docker, prefix);
    await docker.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const start = () =>
    startEcsTestBed(
      { SERVICES: 'ecs,servicediscovery', PERSISTENCE: '1', DATA_DIR: dataDir, ECS_SCHEDULER_INTERVAL_MS: '200' },
      prefix,
    );

  const runningTasks = (serviceName: string) => runningTasksOf(bed!.ecs, cluster, serviceName);

  /** The distinct server answers of 20 calls to `url` from the client task. */
  async function answersFrom(url: string): Promise<Set<string>> {
    const [client] = await runningTasks('client');
    return answersIn(docker, client!, url);
  }

  it('answers the client aliases again after a restart, directly and through the proxy', async () => {
    const proxied = 20000 + Math.floor(Math.random() * 10000);
    bed = await start();
    const sd = cloudMapClient(bed.gw.url);
    await createHttpNamespace(sd, 'restart.local');
    sd.destroy();
    await bed.ecs.send(new CreateClusterCommand({ clusterName: cluster }));
    for (const [family, container] of [
      [
        'scr-server',
        shellContainer('web', SERVER_SCRIPT(PORT), {
          portMappings: [{ name: 'http', containerPort: PORT }],
        }),
      ],
      ['scr-client', shellContainer('client', 'exec sleep 3600')],
    ] as const) {
      await bed.ecs.send(
        new RegisterTaskDefinitionCommand({ family, networkMode: 'awsvpc', containerDefinitions: [container] }),
      );
    }
    const network = { awsvpcConfiguration: { subnets: ['subnet-1'] } };
    await bed.ecs.send(
      new CreateServiceCommand({
        cluster,
        serviceName: 'server',
        taskDefinition: 'scr-server',
        desiredCount: 2,
        networkConfiguration: network,
        serviceConnectConfiguration: {
          enabled: true,
          namespace: 'restart.local',
          services: [
            { portName: 'http', discoveryName: 'api', clientAliases: [{ port: PORT, dnsName: 'api' }] },
            { portName: 'http', discoveryName: 'api-alt', clientAliases: [{ port: proxied, dnsName: 'alt' }] },
          ],
        },
      }),
    );
    await bed.ecs.send(
      new CreateServiceCommand({
        cluster,
        serviceName: 'client',
        taskDefinition: 'scr-client',
        desiredCount: 1,
        networkConfiguration: network,
        serviceConnectConfiguration: { enabled: true, namespace: 'restart.local' },
      }),
    );
    await eventually(
      () => runningTasks('server'),
      (t) => t.length === 2,
      'two server tasks',
    );
    await eventually(
      () => runningTasks('client'),
      (t) => t.length === 1,
      'the client task',
    );
    const before = await eventually(
      () => answersFrom(`http://api:${PORT}/`),
      (a) => a.size === 2,
      'both tasks',
    );
    await eventually(
      () => answersFrom(`http://alt:${proxied}/`),
      (a) => a.size === 2,
      'both tasks, proxied',
    );

    await bed.close();
    bed = await start();
    const started = Date.now();
    const direct = await eventually(
      () => answersFrom(`http://api:${PORT}/`),
      (a) => a.size === 2,
      'both, again',
    );
    expect(direct).toEqual(before);
    const proxiedAnswers = await eventually(
      () => answersFrom(`http://alt:${proxied}/`),
      (a) => a.size === 2,
      'both through the proxy, again',
    );
    expect(proxiedAnswers).toEqual(before);
    console.log(`Service Connect aliases answered again ${Date.now() - started} ms after the restart`);
  }, 180_000);
});
