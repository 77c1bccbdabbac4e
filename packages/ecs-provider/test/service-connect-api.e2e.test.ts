import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeClustersCommand,
  DescribeServicesCommand,
  ListServicesByNamespaceCommand,
  RegisterTaskDefinitionCommand,
  UpdateClusterCommand,
  UpdateServiceCommand,
  type ServiceConnectConfiguration,
} from '@aws-sdk/client-ecs';
import {
  CreateHttpNamespaceCommand,
  GetOperationCommand,
  ListNamespacesCommand,
  ListServicesCommand,
  type ServiceDiscoveryClient,
} from '@aws-sdk/client-servicediscovery';
import { describeWithEngine } from '@localcloud/docker-backend/testing';
import { startCloudMapBed, type CloudMapBed } from './cloud-map-support';
import { awsEcs, findAwsCli, requireCliInCi } from './aws-cli';
import { removePrefixContainers, shellContainer, type EcsTestBed } from './support';

/*
 * Service Connect's API surface through the unmodified SDK clients: ECS's checks of the configuration,
 * the namespace resolved in Cloud Map (a service's must exist; a cluster's default is created), the
 * Cloud Map services ECS creates for the discovery names, what DescribeServices reports, and all of it
 * after a restart with PERSISTENCE=1. No task runs here (desiredCount 0).
 */
const cli = findAwsCli();
requireCliInCi(cli);

describeWithEngine('ECS Service Connect: API, validation, reporting, persistence', () => {
  const prefix = `lcsc${process.pid.toString(36)}`;
  const cluster = 'sc';
  let dataDir: string;
  let bed: EcsTestBed | undefined;
  let sd: ServiceDiscoveryClient | undefined;
  let closeBed: (() => Promise<void>) | undefined;

  async function start(): Promise<CloudMapBed> {
    const started = await startCloudMapBed({ PERSISTENCE: '1', DATA_DIR: dataDir }, prefix);
    ({ bed, sd } = started);
    closeBed = started.close;
    return started;
  }
  async function stop(): Promise<void> {
    await closeBed?.();
    closeBed = bed = sd = undefined;
  }

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-sc-api-'));
    await start();
  });
  afterAll(async () => {
    const docker = bed?.docker;
    await stop();
    if (docker) await removePrefixContainers(docker, prefix);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const network = { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } };

  async function namespaceArn(name: string): Promise<string> {
    const { Namespaces } = await sd!.send(new ListNamespacesCommand({}));
    return Namespaces!.find((n) => n.Name === name)!.Arn!;
  }

  it('checks, resolves, reports and keeps a service’s Service Connect configuration', async () => {
    const namespace = 'sc.local';
    const { OperationId } = await sd!.send(new CreateHttpNamespaceCommand({ Name: namespace }));
    expect((await sd!.send(new GetOperationCommand({ OperationId }))).Operation!.Status).toBe('SUCCESS');
    const nsArn = await namespaceArn(namespace);
    await bed!.ecs.send(new CreateClusterCommand({ clusterName: cluster }));
    await bed!.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'sc-api',
        networkMode: 'awsvpc',
        containerDefinitions: [
          shellContainer('web', 'exec httpd -f -p 8080', {
            portMappings: [{ name: 'http', containerPort: 8080, appProtocol: 'http' }],
          }),
        ],
      }),
    );
    const create = (serviceName: string, serviceConnectConfiguration: ServiceConnectConfiguration) =>
      bed!.ecs.send(
        new CreateServiceCommand({
          cluster,
          serviceName,
          taskDefinition: 'sc-api',
          desiredCount: 0,
          networkConfiguration: network,
          serviceConnectConfiguration,
        }),
      );

    // A portName that names no port mapping, an unknown namespace, no namespace and no cluster default.
    await expect(
      create('bad-port', { enabled: true, namespace, services: [{ portName: 'grpc' }] }),
    ).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: expect.stringContaining('portName grpc'),
      $metadata: { httpStatusCode: 400 },
    });
    await expect(
      create('bad-ns', { enabled: true, namespace: 'nowhere.local', services: [{ portName: 'http' }] }),
    ).rejects.toMatchObject({ name: 'NamespaceNotFoundException', $metadata: { httpStatusCode: 400 } });
    await expect(create('no-ns', { enabled: true, services: [{ portName: 'http' }] })).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: expect.stringContaining('namespace'),
    });
    // Refused services left nothing behind.
    const listed = await sd!.send(new ListServicesCommand({}));
    expect(listed.Services ?? []).toEqual([]);

    // A server service: the namespace by name becomes its ARN; ECS creates the Cloud Map service.
    const config: ServiceConnectConfiguration = {
      enabled: true,
      namespace,
      services: [{ portName: 'http', discoveryName: 'api', clientAliases: [{ port: 80, dnsName: 'api.internal' }] }],
    };
    const created = (await create('api', config)).service!;
    const { Services } = await sd!.send(new ListServicesCommand({}));
    expect(Services!.map((s) => s.Name)).toEqual(['api']);
    const discoveryArn = Services![0]!.Arn!;
    const expected = {
      serviceConnectConfiguration: { ...config, namespace: nsArn },
      serviceConnectResources: [{ discoveryName: 'api', discoveryArn }],
    };
    expect(created.deployments![0]).toMatchObject(expected);
    // Not at the top level of the service: ECS shows it on the deployments only.
    expect(created).not.toHaveProperty('serviceConnectConfiguration');

    // Discovery names and client aliases are unique in a namespace, across services.
    await expect(
      create('dup-name', { enabled: true, namespace, services: [{ portName: 'http', discoveryName: 'api' }] }),
    ).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: expect.stringContaining('discoveryName api'),
    });
    await expect(
      create('dup-alias', {
        enabled: true,
        namespace,
        services: [
          { portName: 'http', discoveryName: 'other', clientAliases: [{ port: 80, dnsName: 'api.internal' }] },
        ],
      }),
    ).rejects.toMatchObject({ name: 'InvalidParameterException', message: expect.stringContaining('api.internal:80') });

    // Refused before ECS created a Cloud Map service for them.
    expect((await sd!.send(new ListServicesCommand({}))).Services!.map((s) => s.Name)).toEqual(['api']);

    // Another discovery name: its own Cloud Map service.
    const portOnly = (await create('api2', { enabled: true, namespace: nsArn, services: [{ portName: 'http' }] }))
      .service!;
    expect(portOnly.deployments![0]!.serviceConnectResources).toEqual([
      { discoveryName: 'http', discoveryArn: expect.stringMatching(/:service\/srv-/) },
    ]);
    expect((await bed!.ecs.send(new ListServicesByNamespaceCommand({ namespace }))).serviceArns!.sort()).toEqual(
      [created.serviceArn, portOnly.serviceArn].sort(),
    );

    // The cluster's default: a new name is created as an HTTP namespace, and a service without one uses it.
    const updated = await bed!.ecs.send(
      new UpdateClusterCommand({ cluster, serviceConnectDefaults: { namespace: 'defaults.local' } }),
    );
    const defaultArn = await namespaceArn('defaults.local');
    expect(updated.cluster!.serviceConnectDefaults).toEqual({ namespace: defaultArn });
    const client = (await create('client', { enabled: true })).service!;
    expect(client.deployments![0]!.serviceConnectConfiguration).toEqual({ enabled: true, namespace: defaultArn });
    expect(client.deployments![0]!.serviceConnectResources).toEqual([]);

    // UpdateService: a new configuration is a new deployment; a bad one is refused as at CreateService.
    await expect(
      bed!.ecs.send(
        new UpdateServiceCommand({
          cluster,
          service: 'client',
          serviceConnectConfiguration: { enabled: true, services: [{ portName: 'nope' }] },
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
    const moved = await bed!.ecs.send(
      new UpdateServiceCommand({
        cluster,
        service: 'client',
        serviceConnectConfiguration: { enabled: true, namespace },
      }),
    );
    expect(moved.service!.deployments!.map((d) => d.serviceConnectConfiguration?.namespace)).toEqual([
      nsArn,
      defaultArn,
    ]);

    // All of it after a restart.
    await stop();
    await start();
    const { services } = await bed!.ecs.send(new DescribeServicesCommand({ cluster, services: ['api', 'client'] }));
    expect(services![0]!.deployments![0]).toMatchObject(expected);
    expect(services![1]!.deployments![0]!.serviceConnectConfiguration).toEqual({ enabled: true, namespace: nsArn });
    const { clusters } = await bed!.ecs.send(new DescribeClustersCommand({ clusters: [cluster] }));
    expect(clusters![0]!.serviceConnectDefaults).toEqual({ namespace: defaultArn });
  });

  (cli ? it : it.skip)('answers the AWS CLI v2 as it answers the SDK', async () => {
    const url = bed!.gw.url;
    const bad = await awsEcs(cli!, url, [
      'create-service',
      '--cluster',
      cluster,
      '--service-name',
      'cli-bad',
      '--task-definition',
      'sc-api',
      '--desired-count',
      '0',
      '--network-configuration',
      'awsvpcConfiguration={subnets=[subnet-1]}',
      '--service-connect-configuration',
      JSON.stringify({ enabled: true, namespace: 'sc.local', services: [{ portName: 'grpc' }] }),
    ]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('InvalidParameterException');
    const described = await awsEcs(cli!, url, ['describe-services', '--cluster', cluster, '--services', 'api']);
    expect(described.code).toBe(0);
    const deployment = JSON.parse(described.stdout).services[0].deployments[0];
    expect(deployment.serviceConnectResources).toEqual([
      {
        discoveryName: 'api',
        discoveryArn: expect.stringMatching(/^arn:aws:servicediscovery:us-east-1:\d{12}:service\/srv-/),
      },
    ]);
    expect(deployment.serviceConnectConfiguration.namespace).toMatch(/:namespace\/ns-/);
  });
});
