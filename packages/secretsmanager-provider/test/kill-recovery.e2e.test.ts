import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { testCredentials } from '@localcloud/gateway/testing';

/** The real gateway (`main.ts`, from source) in a process of its own, so that it can be SIGKILLed. */
const GATEWAY_SCRIPT = path.join(__dirname, '../../ecs-provider/scripts/gateway-from-source.js');

interface Gateway {
  readonly child: ChildProcess;
  readonly url: string;
  readonly stderr: () => string;
}

function startGateway(dataDir: string): Promise<Gateway> {
  const child = spawn(process.execPath, [GATEWAY_SCRIPT], {
    env: {
      ...process.env,
      SERVICES: 'secretsmanager',
      GATEWAY_LISTEN: '127.0.0.1:0',
      PERSISTENCE: '1',
      DATA_DIR: dataDir,
      // The most the gateway ever logs: every body, every level.
      DEBUG: '1',
      LOG_LEVEL: 'silly',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start within 30 s:\n${stderr}`)), 30_000);
    child.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`gateway exited before it was ready:\n${stderr}`));
    });
    const poll = () => {
      const match = /localcloud ready on \S+ \(listening on (\S+)\)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: `http://${match[1]!}`, stderr: () => stderr });
      } else setTimeout(poll, 50);
    };
    poll();
  });
}

const kill9 = (gateway: Gateway) =>
  new Promise<void>((resolve) => {
    gateway.child.removeAllListeners('exit');
    gateway.child.once('exit', () => resolve());
    gateway.child.kill('SIGKILL');
  });

describe('Secrets Manager after the gateway is killed with SIGKILL (PERSISTENCE=1)', () => {
  let dataDir: string;
  const running: Gateway[] = [];
  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'localcloud-secrets-kill-'));
  });
  afterAll(async () => {
    for (const gateway of running) {
      if (gateway.child.exitCode === null && gateway.child.signalCode === null) await kill9(gateway);
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps every acknowledged change, and no log line of either process holds a secret value', async () => {
    const secret = (n: number) => `KILLSECRET${n}x${process.pid}`;
    const first = await startGateway(dataDir);
    running.push(first);
    let client = new SecretsManagerClient({ endpoint: first.url, region: 'us-east-1', credentials: testCredentials() });
    await client.send(new CreateSecretCommand({ Name: 'svc/db', SecretString: secret(1) }));
    const v2 = (await client.send(new PutSecretValueCommand({ SecretId: 'svc/db', SecretString: secret(2) })))
      .VersionId!;
    const v3 = (
      await client.send(
        new PutSecretValueCommand({ SecretId: 'svc/db', SecretString: secret(3), VersionStages: ['AWSPENDING'] }),
      )
    ).VersionId!;
    await client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: 'svc/db',
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: v3,
        RemoveFromVersionId: v2,
      }),
    );
    await client.send(new CreateSecretCommand({ Name: 'svc/old', SecretString: secret(4) }));
    await client.send(new DeleteSecretCommand({ SecretId: 'svc/old', RecoveryWindowInDays: 7 }));
    client.destroy();
    await kill9(first);

    const second = await startGateway(dataDir);
    running.push(second);
    client = new SecretsManagerClient({ endpoint: second.url, region: 'us-east-1', credentials: testCredentials() });
    try {
      expect(await client.send(new GetSecretValueCommand({ SecretId: 'svc/db' }))).toMatchObject({
        SecretString: secret(3),
        VersionId: v3,
      });
      expect(
        (await client.send(new GetSecretValueCommand({ SecretId: 'svc/db', VersionStage: 'AWSPREVIOUS' }))).VersionId,
      ).toBe(v2);
      await expect(client.send(new GetSecretValueCommand({ SecretId: 'svc/old' }))).rejects.toMatchObject({
        name: 'InvalidRequestException',
      });
    } finally {
      client.destroy();
    }
    await kill9(second);

    const logs = first.stderr() + second.stderr();
    expect(logs).toContain('GetSecretValue'); // bodies were logged…
    expect(logs).toContain('svc/db');
    for (const n of [1, 2, 3, 4]) expect(logs).not.toContain(secret(n)); // …without their values
  }, 120_000);
});
