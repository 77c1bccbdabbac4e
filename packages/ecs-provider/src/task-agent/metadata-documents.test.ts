import { familyRevision, taskDocument } from './metadata-documents';
import type { TaskRecord } from '../runtime/task-record';

describe('task metadata documents', () => {
  it('reads family and revision from the task definition ARN', () => {
    expect(familyRevision('arn:aws:ecs:us-east-1:000000000000:task-definition/web-app:12')).toEqual({
      family: 'web-app',
      revision: '12',
    });
  });

  it('shapes the task as ECS does: vCPU limits, string revision, ISO times, service name', () => {
    const record = {
      accountId: '000000000000',
      region: 'us-east-1',
      taskArn: 'arn:aws:ecs:us-east-1:000000000000:task/c/abc',
      clusterArn: 'arn:aws:ecs:us-east-1:000000000000:cluster/c',
      taskDefinitionArn: 'arn:aws:ecs:us-east-1:000000000000:task-definition/web:3',
      cpu: '512',
      memory: '1024',
      desiredStatus: 'RUNNING',
      lastStatus: 'RUNNING',
      launchType: 'FARGATE',
      availabilityZone: 'us-east-1a',
      group: 'service:api',
      pullStartedAt: new Date('2026-01-01T00:00:00.000Z'),
      containers: [],
    } as TaskRecord;
    expect(taskDocument(record, [])).toMatchObject({
      Cluster: record.clusterArn,
      TaskARN: record.taskArn,
      Family: 'web',
      Revision: '3',
      Limits: { CPU: 0.5, Memory: 1024 },
      PullStartedAt: '2026-01-01T00:00:00.000Z',
      LaunchType: 'FARGATE',
      ServiceName: 'api',
      Containers: [],
    });
  });
});
