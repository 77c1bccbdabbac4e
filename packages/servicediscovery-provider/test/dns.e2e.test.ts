import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CreateHttpNamespaceCommand,
  CreatePrivateDnsNamespaceCommand,
  CreateServiceCommand,
  DeleteServiceCommand,
  DeregisterInstanceCommand,
  GetOperationCommand,
  RegisterInstanceCommand,
  UpdateInstanceCustomHealthStatusCommand,
  UpdateServiceCommand,
  type ServiceDiscoveryClient,
} from '@aws-sdk/client-servicediscovery';
import type { ProviderContext } from '@localcloud/gateway';
import { startTestGateway, type TestGateway } from '@localcloud/gateway/testing';
import { Answerer, sharedNameTable, type NameTable } from '@localcloud/local-dns';
import { createProvider } from '../src';
import { serviceDiscoveryClient } from './support';

/*
 * What Cloud Map publishes into the gateway's local DNS name table, driven through the SDK client as users
 * do (instances registered by hand, not only by ECS), read back through the same Answerer the DNS server uses.
 */
describe('Cloud Map DNS records in the local DNS', () => {
  let dataDir: string;
  let gateway: TestGateway | undefined;
  let sd: ServiceDiscoveryClient | undefined;
  let table: NameTable;

  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'localcloud-sd-dns-'));
  });
  afterEach(async () => {
    await stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function start(): Promise<ServiceDiscoveryClient> {
    let context: ProviderContext | undefined;
    gateway = await startTestGateway({
      // Started at boot, so the test holds the provider's context (and its name table) before any request.
      env: { SERVICES: 'servicediscovery', PERSISTENCE: '1', DATA_DIR: dataDir, PROVIDER_START: 'eager' },
      providers: {
        servicediscovery: (ctx) => {
          context = ctx;
          return createProvider(ctx);
        },
      },
    });
    table = sharedNameTable(context!);
    sd = serviceDiscoveryClient(gateway.url);
    return sd;
  }

  async function stop(): Promise<void> {
    sd?.destroy();
    await gateway?.close();
    sd = undefined;
    gateway = undefined;
  }

  const ask = (name: string, type: 'A' | 'SRV' = 'A') => new Answerer(table).answer({ name, type });
  const addresses = (name: string) => {
    const reply = ask(name);
    return reply.kind === 'answer' ? reply.answers.map((a) => (a as { data: string }).data).sort() : reply.kind;
  };

  async function namespace(client: ServiceDiscoveryClient, name: string): Promise<string> {
    const { OperationId } = await client.send(new CreatePrivateDnsNamespaceCommand({ Name: name, Vpc: 'vpc-1' }));
    return (await client.send(new GetOperationCommand({ OperationId }))).Operation!.Targets!.NAMESPACE!;
  }

  it('publishes healthy instances’ A and SRV records with the service’s TTLs, follows every change, and survives a restart', async () => {
    let client = await start();
    const nsId = await namespace(client, 'internal.test');
    const { Service } = await client.send(
      new CreateServiceCommand({
        Name: 'api',
        NamespaceId: nsId,
        DnsConfig: {
          DnsRecords: [
            { Type: 'A', TTL: 20 },
            { Type: 'SRV', TTL: 30 },
          ],
        },
        HealthCheckCustomConfig: {},
      }),
    );
    const serviceId = Service!.Id!;
    // The namespace alone: its names are ours (NXDOMAIN), not forwarded.
    expect(ask('api.internal.test')).toEqual({ kind: 'nxdomain', zone: 'internal.test' });

    const register = (id: string, ip: string, port = '8080') =>
      client.send(
        new RegisterInstanceCommand({
          ServiceId: serviceId,
          InstanceId: id,
          Attributes: { AWS_INSTANCE_IPV4: ip, AWS_INSTANCE_PORT: port },
        }),
      );
    await register('i-1', '10.1.0.1');
    await register('i-2', '10.1.0.2', '9090');
    expect(addresses('api.internal.test')).toEqual(['10.1.0.1', '10.1.0.2']);
    const a = ask('api.internal.test');
    expect(a.kind === 'answer' && a.answers[0]!).toMatchObject({ ttl: 20 });
    const srv = ask('API.internal.test.', 'SRV');
    expect(srv.kind).toBe('answer');
    if (srv.kind !== 'answer') return;
    expect(srv.answers.map((r) => (r as { data: unknown }).data)).toEqual(
      expect.arrayContaining([
        { priority: 1, weight: 1, port: 8080, target: 'i-1.api.internal.test' },
        { priority: 1, weight: 1, port: 9090, target: 'i-2.api.internal.test' },
      ]),
    );
    expect(srv.answers[0]).toMatchObject({ ttl: 30 });
    expect(srv.additionals.map((r) => [r.name, (r as { data: string }).data]).sort()).toEqual([
      ['i-1.api.internal.test', '10.1.0.1'],
      ['i-2.api.internal.test', '10.1.0.2'],
    ]);
    expect(addresses('i-2.api.internal.test')).toEqual(['10.1.0.2']);

    // Health: an unhealthy instance leaves DNS; when none is healthy, all answer (Route 53 fails open).
    const health = (id: string, status: 'HEALTHY' | 'UNHEALTHY') =>
      client.send(
        new UpdateInstanceCustomHealthStatusCommand({ ServiceId: serviceId, InstanceId: id, Status: status }),
      );
    await health('i-1', 'UNHEALTHY');
    expect(addresses('api.internal.test')).toEqual(['10.1.0.2']);
    await health('i-2', 'UNHEALTHY');
    expect(addresses('api.internal.test')).toEqual(['10.1.0.1', '10.1.0.2']);
    await health('i-1', 'HEALTHY');
    await health('i-2', 'HEALTHY');

    // A TTL change reaches DNS.
    await client.send(
      new UpdateServiceCommand({
        Id: serviceId,
        Service: {
          DnsConfig: {
            DnsRecords: [
              { Type: 'A', TTL: 45 },
              { Type: 'SRV', TTL: 30 },
            ],
          },
        },
      }),
    );
    const updated = ask('api.internal.test');
    expect(updated.kind === 'answer' && updated.answers[0]!).toMatchObject({ ttl: 45 });

    await client.send(new DeregisterInstanceCommand({ ServiceId: serviceId, InstanceId: 'i-1' }));
    expect(addresses('api.internal.test')).toEqual(['10.1.0.2']);
    expect(ask('i-1.api.internal.test').kind).toBe('nxdomain');

    // An HTTP namespace has no DNS: its names stay someone else's.
    await client.send(new CreateHttpNamespaceCommand({ Name: 'http.test' }));
    expect(ask('anything.http.test')).toEqual({ kind: 'forward' });

    // Restart with PERSISTENCE=1: the records are served again before any request.
    await stop();
    client = await start();
    expect(addresses('api.internal.test')).toEqual(['10.1.0.2']);
    await client.send(new DeregisterInstanceCommand({ ServiceId: serviceId, InstanceId: 'i-2' }));
    expect(ask('api.internal.test').kind).toBe('nxdomain');
    await client.send(new DeleteServiceCommand({ Id: serviceId }));
    expect(ask('api.internal.test').kind).toBe('nxdomain');
  });

  it('WEIGHTED answers one instance; accounts and regions publish side by side', async () => {
    const client = await start();
    const nsId = await namespace(client, 'weighted.test');
    const { Service } = await client.send(
      new CreateServiceCommand({
        Name: 'w',
        NamespaceId: nsId,
        DnsConfig: { RoutingPolicy: 'WEIGHTED', DnsRecords: [{ Type: 'A', TTL: 10 }] },
      }),
    );
    for (const [id, ip] of [
      ['a', '10.2.0.1'],
      ['b', '10.2.0.2'],
      ['c', '10.2.0.3'],
    ]) {
      await client.send(
        new RegisterInstanceCommand({
          ServiceId: Service!.Id!,
          InstanceId: id,
          Attributes: { AWS_INSTANCE_IPV4: ip! },
        }),
      );
    }
    expect(addresses('w.weighted.test')).toHaveLength(1);

    const other = serviceDiscoveryClient(gateway!.url, 'eu-west-1', '111122223333');
    try {
      const otherNs = await namespace(other, 'weighted.test');
      const { Service: otherService } = await other.send(
        new CreateServiceCommand({
          Name: 'x',
          NamespaceId: otherNs,
          DnsConfig: { DnsRecords: [{ Type: 'A', TTL: 5 }] },
        }),
      );
      await other.send(
        new RegisterInstanceCommand({
          ServiceId: otherService!.Id!,
          InstanceId: 'x1',
          Attributes: { AWS_INSTANCE_IPV4: '10.3.0.1' },
        }),
      );
      expect(addresses('x.weighted.test')).toEqual(['10.3.0.1']);
      expect(addresses('w.weighted.test')).toHaveLength(1);
    } finally {
      other.destroy();
    }
  });
});
