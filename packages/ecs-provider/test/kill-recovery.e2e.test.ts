import { spawn, type ChildProcess } from 'node:child_process';
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

/** A gateway in its own process (from source), so the test can SIGKILL it. */
interface GatewayProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly exited: Promise<NodeJS.Signals | null>;
}

function startGatewayProcess(dataDir: string): Promise<GatewayProcess> {
  const child = spawn(process.execPath, [path.join(__dirname, '..', 'scripts', 'gateway-from-source.js')], {
    env: {
      ...process.env,
      SERVICES: 'ecs',
      GATEWAY_LISTEN: '127.0.0.1:0',
      PERSISTENCE: '1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.once('exit', (_code, signal) => resolve(signal)),
  );
  return new Promise((resolve, reject) => {
    let stderr = '';
    const timer = setTimeout(() => reject(new Error(`gateway did not start within 30 s:\n${stderr}`)), 30_000);
    child.stderr!.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`gateway exited before it was ready:\n${stderr}`));
    });
    const poll = async () => {
      const match = /localcloud ready .*url=(\S+)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1]!, exited });
        return;
      }
      setTimeout(poll, 50);
    };
    void poll();
  });
}

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
