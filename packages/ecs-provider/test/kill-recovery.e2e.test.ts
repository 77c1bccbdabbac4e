import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  DescribeTaskDefinitionCommand,
  ECSClient,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { testCredentials } from '@localcloud/gateway/testing';
import { startGatewayProcess } from './gateway-process';

const register = (ecs: ECSClient) =>
  ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'burst',
      containerDefinitions: [{ name: 'app', image: 'busybox', memory: 64, command: ['sleep', '1'] }],
    }),
  );

describe('kill -9 in the middle of a burst of registrations', () => {
  let dataDir: string;
  const children: ChildProcess[] = [];

  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'localcloud-kill-'));
  });
  afterAll(() => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps every acknowledged revision and numbers on without gaps or repeats', async () => {
    const first = await startGatewayProcess(dataDir);
    children.push(first.child);
    const ecs = new ECSClient({
      endpoint: first.url,
      region: 'us-east-1',
      credentials: testCredentials(),
      maxAttempts: 1,
    });
    const acknowledged: number[] = [];
    let killed = false;
    // 16 clients register as fast as they can; the gateway is SIGKILLed once 150 registrations are acknowledged.
    const workers = Array.from({ length: 16 }, async () => {
      while (!killed) {
        try {
          const { taskDefinition } = await register(ecs);
          acknowledged.push(taskDefinition!.revision!);
          if (acknowledged.length >= 150 && !killed) {
            killed = true;
            first.child.kill('SIGKILL');
          }
        } catch {
          if (!killed) throw new Error('a registration failed before the kill');
          return;
        }
      }
    });
    await Promise.all(workers);
    expect(await first.exited).toBe('SIGKILL');
    ecs.destroy();

    expect(new Set(acknowledged).size).toBe(acknowledged.length);

    const second = await startGatewayProcess(dataDir);
    children.push(second.child);
    const again = new ECSClient({
      endpoint: second.url,
      region: 'us-east-1',
      credentials: testCredentials(),
      maxAttempts: 1,
    });
    try {
      const revisions: number[] = [];
      let nextToken: string | undefined;
      do {
        const page = await again.send(new ListTaskDefinitionsCommand({ familyPrefix: 'burst', nextToken }));
        revisions.push(...page.taskDefinitionArns!.map((arn) => Number(arn.slice(arn.lastIndexOf(':') + 1))));
        nextToken = page.nextToken;
      } while (nextToken);
      // Every acknowledged revision is there; at most the requests in flight at the kill were kept unacknowledged.
      for (const revision of acknowledged) expect(revisions).toContain(revision);
      expect(revisions).toEqual(Array.from({ length: revisions.length }, (_, i) => i + 1));
      expect(revisions.length - acknowledged.length).toBeLessThanOrEqual(16);
      const sample = await again.send(
        new DescribeTaskDefinitionCommand({ taskDefinition: `burst:${acknowledged[0]}` }),
      );
      expect(sample.taskDefinition!.containerDefinitions![0]).toMatchObject({ name: 'app', command: ['sleep', '1'] });
      // Numbering continues after the last revision kept, acknowledged or not.
      expect((await register(again)).taskDefinition!.revision).toBe(revisions.length + 1);
    } finally {
      again.destroy();
      second.child.kill('SIGTERM');
      await second.exited;
    }
  });
});
