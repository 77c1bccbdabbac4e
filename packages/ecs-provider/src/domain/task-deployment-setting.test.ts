import { taskDeploymentSetting } from './task-deployment-setting';

const clusterArn = 'arn:aws:ecs:us-east-1:000000000000:cluster/web';
const registry = (id: string) => ({ registryArn: `arn:aws:servicediscovery:us-east-1:000000000000:service/${id}` });
const lb = (group: string) => ({
  targetGroupArn: `arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/${group}/0123456789abcdef`,
  containerName: 'web',
  containerPort: 8080,
});

describe("where a service task registers: its deployment's settings", () => {
  // The service moved from `old` to `new`: deployment 111 (old tasks) has its own revision.
  const service = { serviceName: 'api', serviceRegistries: [registry('srv-new')], loadBalancers: [lb('new')] };
  const revisions = new Map([
    ['web/api/111', { serviceRegistries: [registry('srv-old')], loadBalancers: [lb('old')] }],
    ['web/api/222', { serviceRegistries: [registry('srv-new')], loadBalancers: [lb('new')] }],
    ['web/api/444', { serviceRegistries: [], loadBalancers: [] }],
  ]);
  const of = (startedBy?: string) => ({
    registries: taskDeploymentSetting('serviceRegistries', { startedBy, clusterArn }, service, (k) => revisions.get(k)),
    balancers: taskDeploymentSetting('loadBalancers', { startedBy, clusterArn }, service, (k) => revisions.get(k)),
  });

  it("are its own deployment's, so an old task stays in the old ones after an UpdateService", () => {
    expect(of('ecs-svc/111')).toEqual({ registries: [registry('srv-old')], balancers: [lb('old')] });
    expect(of('ecs-svc/222')).toEqual({ registries: [registry('srv-new')], balancers: [lb('new')] });
    // A deployment that removed them registers nowhere, though the service has some again.
    expect(of('ecs-svc/444')).toEqual({ registries: [], balancers: [] });
  });

  it("are the service's for a task of no known revision", () => {
    for (const startedBy of ['ecs-svc/333', undefined, 'someone-else']) {
      expect(of(startedBy)).toEqual({ registries: [registry('srv-new')], balancers: [lb('new')] });
    }
  });
});

describe("where a task set's task registers", () => {
  // An EXTERNAL service shows its primary task set's settings; each task set has its own.
  const external = {
    serviceName: 'api',
    deploymentController: { type: 'EXTERNAL' },
    serviceRegistries: [registry('srv-primary')],
    loadBalancers: [lb('primary')],
    taskSets: [
      { id: 'ecs-svc/555', serviceRegistries: [registry('srv-blue')], loadBalancers: [lb('blue')] },
      { id: 'ecs-svc/666', serviceRegistries: [], loadBalancers: [] },
    ],
  };
  const of = (startedBy: string) => ({
    registries: taskDeploymentSetting('serviceRegistries', { startedBy, clusterArn }, external, () => undefined),
    balancers: taskDeploymentSetting('loadBalancers', { startedBy, clusterArn }, external, () => undefined),
  });

  it("is its task set's, whatever the service shows", () => {
    expect(of('ecs-svc/555')).toEqual({ registries: [registry('srv-blue')], balancers: [lb('blue')] });
    expect(of('ecs-svc/666')).toEqual({ registries: [], balancers: [] });
  });

  it("is nowhere once its task set is deleted, not its service's (its primary task set's)", () => {
    expect(of('ecs-svc/777')).toEqual({ registries: [], balancers: [] });
  });
});
