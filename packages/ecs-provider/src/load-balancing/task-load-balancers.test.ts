import { taskLoadBalancers } from './task-load-balancers';

const clusterArn = 'arn:aws:ecs:us-east-1:000000000000:cluster/web';
const lb = (group: string) => ({
  targetGroupArn: `arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/${group}/0123456789abcdef`,
  containerName: 'web',
  containerPort: 8080,
});

describe('the load balancers a service task registers in', () => {
  // The service moved from group `old` to `new`: deployment 111 (old tasks) has its own revision.
  const service = { serviceName: 'api', loadBalancers: [lb('new')] };
  const revisions = new Map([
    ['web/api/111', [lb('old')]],
    ['web/api/222', [lb('new')]],
  ]);
  const of = (startedBy?: string) => taskLoadBalancers({ startedBy, clusterArn }, service, (k) => revisions.get(k));

  it("are its own deployment's, so an old task stays in the old group after an UpdateService", () => {
    expect(of('ecs-svc/111')).toEqual([lb('old')]);
    expect(of('ecs-svc/222')).toEqual([lb('new')]);
  });

  it("are the service's for a task of no known revision", () => {
    expect(of('ecs-svc/333')).toEqual([lb('new')]);
    expect(of(undefined)).toEqual([lb('new')]);
    expect(of('someone-else')).toEqual([lb('new')]);
  });
});

describe("a task set's task", () => {
  const service = { serviceName: 'api', loadBalancers: [lb('primary')] };
  const external = {
    ...service,
    taskSets: [
      { id: 'ecs-svc/555', loadBalancers: [lb('blue')] },
      { id: 'ecs-svc/666', loadBalancers: [] },
    ],
  };
  const of = (startedBy: string) => taskLoadBalancers({ startedBy, clusterArn }, external, () => undefined);

  it("registers in its task set's target groups, whatever the service shows", () => {
    expect(of('ecs-svc/555')).toEqual([lb('blue')]);
    expect(of('ecs-svc/666')).toEqual([]);
    expect(of('ecs-svc/777')).toEqual([lb('primary')]);
  });
});
