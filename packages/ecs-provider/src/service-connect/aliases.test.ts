import type { TaskDefinition } from '@aws-sdk/client-ecs';
import type { TaskRecord } from '../runtime/task-record';
import type { ServiceRecord } from '../store/records';
import { planAliases, type ServerService } from './aliases';

const DEF = 'arn:aws:ecs:us-east-1:000000000000:task-definition/api:1';
const definition = (networkMode: 'awsvpc' | 'bridge' = 'awsvpc'): TaskDefinition => ({
  taskDefinitionArn: DEF,
  networkMode,
  containerDefinitions: [{ name: 'web', portMappings: [{ name: 'http', containerPort: 8080, hostPort: 0 }] }],
});

function task(n: number, change: Partial<TaskRecord> = {}): TaskRecord {
  return {
    taskArn: `arn:aws:ecs:us-east-1:000000000000:task/c/${n}`,
    clusterArn: 'arn:aws:ecs:us-east-1:000000000000:cluster/c',
    accountId: '000000000000',
    region: 'us-east-1',
    taskDefinitionArn: DEF,
    desiredStatus: 'RUNNING',
    lastStatus: 'RUNNING',
    healthStatus: 'UNKNOWN',
    attachments: [
      { type: 'ElasticNetworkInterface', details: [{ name: 'privateIPv4Address', value: `172.20.0.${n}` }] },
    ],
    ...change,
  };
}

function service(aliasPort: number, tasks: TaskRecord[], mode: 'awsvpc' | 'bridge' = 'awsvpc'): ServerService {
  const record = {
    serviceArn: 'arn:aws:ecs:us-east-1:000000000000:service/c/api',
    serviceName: 'api',
    clusterArn: 'arn:aws:ecs:us-east-1:000000000000:cluster/c',
    taskDefinition: DEF,
    serviceConnectConfiguration: {
      enabled: true,
      namespace: 'arn:ns',
      services: [
        { portName: 'http', discoveryName: 'api', clientAliases: [{ port: aliasPort, dnsName: 'backend' }] },
        { portName: 'http', discoveryName: 'api2', clientAliases: [{ port: 9999 }] },
      ],
    },
    serviceConnectResources: [
      { discoveryName: 'api', discoveryArn: 'arn:aws:servicediscovery:us-east-1:000000000000:service/srv-1' },
      { discoveryName: 'api2', discoveryArn: 'arn:aws:servicediscovery:us-east-1:000000000000:service/srv-2' },
    ],
    serviceConnectNamespaceName: 'internal.local',
  } as ServiceRecord;
  return { record, clusterName: 'c', tasks, definitionOf: () => definition(mode) };
}

describe('where a client alias leads', () => {
  it('resolves an alias on the container port straight to the running tasks, and no other', () => {
    const tasks = [task(2), task(3), task(4, { lastStatus: 'PENDING' }), task(5, { desiredStatus: 'STOPPED' })];
    const plan = planAliases([service(8080, tasks)], '172.17.0.1');
    expect(plan.names.get('backend')).toEqual(['172.20.0.2', '172.20.0.3']);
    // With no task running the name stays, empty: it never flips to the proxy.
    expect(planAliases([service(8080, [])], '172.17.0.1').names.get('backend')).toEqual([]);
  });

  it('sends an alias on another port to the proxy, which forwards to taskIP:containerPort', () => {
    const plan = planAliases([service(80, [task(2), task(3)])], '172.17.0.1');
    expect(plan.names.get('backend')).toEqual(['172.17.0.1']);
    // No dnsName: <discoveryName>.<namespace name>.
    expect(plan.names.get('api2.internal.local')).toEqual(['172.17.0.1']);
    expect(plan.proxies).toEqual([
      {
        host: '172.17.0.1',
        port: 80,
        targets: [
          { host: '172.20.0.2', port: 8080 },
          { host: '172.20.0.3', port: 8080 },
        ],
      },
      {
        host: '172.17.0.1',
        port: 9999,
        targets: [
          { host: '172.20.0.2', port: 8080 },
          { host: '172.20.0.3', port: 8080 },
        ],
      },
    ]);
    // Without an address for proxies those aliases are left out rather than answered wrongly.
    expect(planAliases([service(80, [task(2)])], undefined).names.size).toBe(0);
  });

  it('proxies bridge tasks to their published ports, and keeps a taken proxy port for its first alias', () => {
    const bridge = task(2, {
      attachments: [],
      containers: [{ name: 'web', networkBindings: [{ containerPort: 8080, hostPort: 32768 }] }],
    });
    const plan = planAliases([service(8080, [bridge], 'bridge')], '172.17.0.1');
    expect(plan.names.get('backend')).toEqual(['172.17.0.1']);
    expect(plan.proxies[0]).toEqual({ host: '172.17.0.1', port: 8080, targets: [{ host: '127.0.0.1', port: 32768 }] });

    const other = service(80, [task(7)]);
    (other.record as { serviceArn: string }).serviceArn = 'arn:aws:ecs:us-east-1:000000000000:service/c/other';
    const shared = planAliases([service(80, [task(2)]), other], '172.17.0.1');
    expect(shared.proxies.find((p) => p.port === 80)!.targets).toEqual([{ host: '172.20.0.2', port: 8080 }]);
    expect(shared.conflicts).toEqual(['backend:80', 'api2.internal.local:9999']);
  });

  it('shares a proxy port between services whose server ports are HTTP, routed by the alias names', () => {
    const httpService = (
      arn: string,
      dnsName: string,
      tasks: TaskRecord[],
      appProtocol?: 'http' | 'http2' | 'grpc',
    ) => {
      const base = service(80, tasks);
      const record = {
        ...base.record,
        serviceArn: arn,
        serviceConnectConfiguration: {
          enabled: true,
          services: [{ portName: 'http', discoveryName: 'api', clientAliases: [{ port: 80, dnsName }] }],
        },
      } as ServiceRecord;
      const def = definition();
      def.containerDefinitions![0]!.portMappings![0]!.appProtocol = appProtocol;
      return { ...base, record, definitionOf: () => def };
    };
    const one = httpService('arn:aws:ecs:us-east-1:000000000000:service/c/one', 'One', [task(2)], 'http');
    const two = httpService('arn:aws:ecs:us-east-1:000000000000:service/c/two', 'two', [task(3)], 'http');
    const plan = planAliases([one, two], '172.17.0.1');
    expect(plan.conflicts).toEqual([]);
    expect(plan.names.get('One')).toEqual(['172.17.0.1']);
    expect(plan.names.get('two')).toEqual(['172.17.0.1']);
    expect(plan.proxies).toEqual([
      {
        host: '172.17.0.1',
        port: 80,
        targets: [
          { host: '172.20.0.2', port: 8080 },
          { host: '172.20.0.3', port: 8080 },
        ],
        routes: new Map([
          ['one', [{ host: '172.20.0.2', port: 8080 }]],
          ['two', [{ host: '172.20.0.3', port: 8080 }]],
        ]),
      },
    ]);
    // gRPC (HTTP/2) shares it too.
    const grpc = httpService('arn:aws:ecs:us-east-1:000000000000:service/c/g', 'g', [task(5)], 'grpc');
    const mixed = planAliases([one, grpc], '172.17.0.1');
    expect(mixed.conflicts).toEqual([]);
    expect([...mixed.proxies[0]!.routes!.keys()]).toEqual(['one', 'g']);
    // A TCP alias (no appProtocol) on that port: the first service keeps it, whichever comes first.
    const tcp = httpService('arn:aws:ecs:us-east-1:000000000000:service/c/tcp', 'tcp', [task(4)]);
    expect(planAliases([one, tcp, two], '172.17.0.1').conflicts).toEqual(['tcp:80']);
    const first = planAliases([tcp, one], '172.17.0.1');
    expect(first.conflicts).toEqual(['One:80']);
    expect(first.proxies).toEqual([{ host: '172.17.0.1', port: 80, targets: [{ host: '172.20.0.4', port: 8080 }] }]);
  });
});
