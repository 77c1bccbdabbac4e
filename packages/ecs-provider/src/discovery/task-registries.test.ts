import { taskServiceRegistries } from './task-registries';

const clusterArn = 'arn:aws:ecs:us-east-1:000000000000:cluster/web';
const registry = (id: string) => ({ registryArn: `arn:aws:servicediscovery:us-east-1:000000000000:service/${id}` });

describe('the Cloud Map registries a service task registers in', () => {
  // The service moved from Cloud Map service `srv-old` to `srv-new`: deployment 111 (old tasks) has its own revision.
  const service = { serviceName: 'api', serviceRegistries: [registry('srv-new')] };
  const revisions = new Map([
    ['web/api/111', [registry('srv-old')]],
    ['web/api/222', [registry('srv-new')]],
    ['web/api/444', []],
  ]);
  const of = (startedBy?: string) => taskServiceRegistries({ startedBy, clusterArn }, service, (k) => revisions.get(k));

  it("are its own deployment's, so an old task stays in the old Cloud Map service after an UpdateService", () => {
    expect(of('ecs-svc/111')).toEqual([registry('srv-old')]);
    expect(of('ecs-svc/222')).toEqual([registry('srv-new')]);
    // A deployment that removed the registries registers nowhere, though the service has some again.
    expect(of('ecs-svc/444')).toEqual([]);
  });

  it("are the service's for a task of no known revision", () => {
    expect(of('ecs-svc/333')).toEqual([registry('srv-new')]);
    expect(of(undefined)).toEqual([registry('srv-new')]);
    expect(of('someone-else')).toEqual([registry('srv-new')]);
  });

  it("are its task set's for a task of an EXTERNAL service's task set, whatever the service shows", () => {
    const external = {
      ...service,
      taskSets: [
        { id: 'ecs-svc/555', serviceRegistries: [registry('srv-blue')] },
        { id: 'ecs-svc/666', serviceRegistries: [] },
      ],
    };
    const ofSet = (startedBy: string) =>
      taskServiceRegistries({ startedBy, clusterArn }, external, (k) => revisions.get(k));
    expect(ofSet('ecs-svc/555')).toEqual([registry('srv-blue')]);
    expect(ofSet('ecs-svc/666')).toEqual([]);
    expect(ofSet('ecs-svc/111')).toEqual([registry('srv-old')]);
  });
});
