import type { Deployment } from '@aws-sdk/client-ecs';
import type { ServiceRecord } from '../store/records';
import { restoreRevision, sameDeployedSettings } from './rollback-configuration';
import { newServiceRevision } from './service-deployments';

const scope = { accountId: '000000000000', region: 'us-east-1' };
const ns = (name: string) => `arn:aws:servicediscovery:us-east-1:000000000000:namespace/ns-${name}`;
const connect = (name: string) => ({
  enabled: true,
  namespace: ns(name),
  services: [{ portName: 'http', discoveryName: `api-${name}` }],
});
const resources = (name: string) => [
  { discoveryName: `api-${name}`, discoveryArn: `arn:aws:servicediscovery:us-east-1:000000000000:service/srv-${name}` },
];
const lb = (group: string) => [
  {
    targetGroupArn: `arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/${group}/0123456789abcdef`,
    containerName: 'app',
    containerPort: 80,
  },
];

function service(name: string, withConnect: boolean): ServiceRecord {
  return {
    serviceArn: 'arn:aws:ecs:us-east-1:000000000000:service/default/api',
    clusterArn: 'arn:aws:ecs:us-east-1:000000000000:cluster/default',
    serviceName: 'api',
    taskDefinition: `arn:aws:ecs:us-east-1:000000000000:task-definition/api:${name === 'old' ? 1 : 2}`,
    loadBalancers: lb(name),
    serviceRegistries: [],
    ...(withConnect && {
      serviceConnectConfiguration: connect(name),
      serviceConnectResources: resources(name),
      serviceConnectNamespaceName: `${name}.local`,
    }),
  };
}
const deploymentOf = (record: ServiceRecord, id: string): Deployment => ({
  id,
  taskDefinition: record.taskDefinition,
  serviceConnectConfiguration: record.serviceConnectConfiguration,
  createdAt: new Date(0),
});
const revisionOf = (record: ServiceRecord, id: string) =>
  newServiceRevision(scope, record, deploymentOf(record, id), undefined);

describe('what a rollback restores', () => {
  it("puts back the revision's Service Connect settings with their Cloud Map services and namespace name", () => {
    const old = revisionOf(service('old', true), 'ecs-svc/1111111111111111111');
    const current = service('new', true);
    restoreRevision(current, old);
    expect(current).toMatchObject({
      taskDefinition: 'arn:aws:ecs:us-east-1:000000000000:task-definition/api:1',
      loadBalancers: lb('old'),
      serviceConnectConfiguration: connect('old'),
      serviceConnectResources: resources('old'),
      serviceConnectNamespaceName: 'old.local',
    });
  });

  it('turns Service Connect off again when the revision had none', () => {
    const old = revisionOf(service('old', false), 'ecs-svc/1111111111111111111');
    expect(old.local).toBeUndefined();
    const current = service('new', true);
    restoreRevision(current, old);
    expect(current.serviceConnectConfiguration).toBeUndefined();
    expect(current.serviceConnectResources).toBeUndefined();
    expect(current.serviceConnectNamespaceName).toBeUndefined();
    expect(current.loadBalancers).toEqual(lb('old'));
  });

  it('compares revisions by what they deploy, not by their ARN or creation time', () => {
    const a = revisionOf(service('old', true), 'ecs-svc/1111111111111111111');
    const b = revisionOf(service('old', true), 'ecs-svc/2222222222222222222');
    expect(sameDeployedSettings(a, b)).toBe(true);
    const movedGroups = revisionOf({ ...service('old', true), loadBalancers: lb('new') }, 'ecs-svc/3');
    expect(sameDeployedSettings(a, movedGroups)).toBe(false);
  });
});
