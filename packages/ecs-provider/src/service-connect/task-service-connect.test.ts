import type { ServiceConnectConfiguration } from '@aws-sdk/client-ecs';
import type { ServiceRecord, ServiceRevisionRecord } from '../store/records';
import { serviceConnectGroups, taskServiceConnect } from './task-service-connect';

const clusterArn = 'arn:aws:ecs:us-east-1:000000000000:cluster/web';
const enabled: ServiceConnectConfiguration = { enabled: true, namespace: 'arn:ns', services: [{ portName: 'http' }] };
const resources = [{ discoveryName: 'http', discoveryArn: 'arn:aws:servicediscovery:us-east-1:0:service/srv-1' }];
const revision = (configuration?: ServiceConnectConfiguration) =>
  ({
    serviceConnectConfiguration: configuration,
    local: configuration ? { serviceConnectResources: resources, serviceConnectNamespaceName: 'local' } : undefined,
  }) as ServiceRevisionRecord;

describe("the Service Connect settings a service task runs with: its deployment's", () => {
  // Deployment 111 ran without Service Connect, 222 with it; the service shows 222's.
  const service = {
    serviceName: 'api',
    serviceConnectConfiguration: enabled,
    serviceConnectResources: resources,
    serviceConnectNamespaceName: 'local',
    taskSets: [{ id: 'ecs-svc/555' }],
  } as unknown as ServiceRecord;
  const revisions = new Map([
    ['web/api/111', revision()],
    ['web/api/222', revision(enabled)],
  ]);
  const of = (startedBy?: string) => taskServiceConnect({ startedBy, clusterArn }, service, (k) => revisions.get(k));

  it("are its own deployment revision's, with or without Service Connect", () => {
    expect(of('ecs-svc/111')).toBeUndefined();
    expect(of('ecs-svc/222')).toEqual({ configuration: enabled, resources, namespaceName: 'local' });
  });

  it("are the service's for a task of no known revision or of a task set", () => {
    expect(of('ecs-svc/333')?.configuration).toEqual(enabled);
    expect(of(undefined)?.configuration).toEqual(enabled);
    expect(of('ecs-svc/555')?.configuration).toEqual(enabled);
  });

  it("serve the service's aliases only from tasks of a deployment with Service Connect", () => {
    const tasks = [
      { startedBy: 'ecs-svc/111', clusterArn },
      { startedBy: 'ecs-svc/222', clusterArn },
    ];
    const groups = serviceConnectGroups(service, tasks, (k) => revisions.get(k));
    expect(groups.map((g) => g.tasks)).toEqual([[tasks[1]]]);
  });

  it('keep serving from an older deployment with Service Connect once the service has turned it off', () => {
    const off = { ...service, serviceConnectConfiguration: { enabled: false } } as unknown as ServiceRecord;
    const old = { startedBy: 'ecs-svc/222', clusterArn, taskDefinitionArn: 'arn:td/api:1' };
    const fresh = { startedBy: 'ecs-svc/444', clusterArn, taskDefinitionArn: 'arn:td/api:2' };
    revisions.set('web/api/444', revision({ enabled: false }));
    const groups = serviceConnectGroups(off, [old, fresh], (k) => revisions.get(k));
    expect(groups).toEqual([
      {
        state: { configuration: enabled, resources, namespaceName: 'local' },
        taskDefinition: 'arn:td/api:1',
        tasks: [old],
      },
    ]);
    // Once the old task is STOPPED (or gone), nothing is served.
    expect(serviceConnectGroups(off, [{ ...old, lastStatus: 'STOPPED' }, fresh], (k) => revisions.get(k))).toEqual([]);
    expect(serviceConnectGroups(off, [fresh], (k) => revisions.get(k))).toEqual([]);
  });
});
