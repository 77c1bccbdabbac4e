import {
  GetParameterCommand,
  GetParameterHistoryCommand,
  LabelParameterVersionCommand,
  ListTagsForResourceCommand,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { testCredentials, usePersistentGateway } from '@localcloud/gateway/testing';
import { startGatewayProcess } from '../../ecs-provider/test/gateway-process';
import { failure, ssmClient } from './support';

describe('SSM parameters across a gateway restart (PERSISTENCE=1)', () => {
  const persisted = usePersistentGateway({
    env: { SERVICES: 'ssm' },
    client: (gateway) => ssmClient(gateway, 'eu-central-1'),
  });
  const { start, stop } = persisted;

  it('keeps values, versions, labels and tags, per account and region', async () => {
    let ssm = await start();
    await ssm.send(
      new PutParameterCommand({ Name: '/p/db', Value: 'v1', Type: 'SecureString', Tags: [{ Key: 'k', Value: 'v' }] }),
    );
    await ssm.send(new PutParameterCommand({ Name: '/p/db', Value: 'v2', Overwrite: true }));
    await ssm.send(new LabelParameterVersionCommand({ Name: '/p/db', ParameterVersion: 1, Labels: ['old'] }));
    const before = await ssm.send(new GetParameterHistoryCommand({ Name: '/p/db', WithDecryption: true }));
    await stop();

    ssm = await start();
    expect(await ssm.send(new GetParameterHistoryCommand({ Name: '/p/db', WithDecryption: true }))).toMatchObject({
      Parameters: before.Parameters,
    });
    expect(
      (await ssm.send(new GetParameterCommand({ Name: '/p/db:old', WithDecryption: true }))).Parameter!.Value,
    ).toBe('v1');
    expect(
      (await ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: '/p/db' }))).TagList,
    ).toEqual([{ Key: 'k', Value: 'v' }]);
    // Another region of the same account has its own (empty) state.
    const other = ssmClient(persisted.gateway, 'us-east-1');
    try {
      expect((await failure(other.send(new GetParameterCommand({ Name: '/p/db' })))).name).toBe('ParameterNotFound');
    } finally {
      other.destroy();
    }
  });

  it('keeps every acknowledged put when the gateway is killed with SIGKILL', async () => {
    // A real gateway process, so the kill is a real crash: nothing gets to flush or close.
    let process = await startGatewayProcess(persisted.dataDir, { SERVICES: 'ssm' });
    let ssm = new SSMClient({ endpoint: process.url, region: 'us-east-1', credentials: testCredentials() });
    try {
      for (let i = 1; i <= 20; i++) {
        await ssm.send(new PutParameterCommand({ Name: '/crash/p', Value: `v${i}`, Type: 'String', Overwrite: i > 1 }));
      }
      process.child.kill('SIGKILL');
      expect(await process.exited).toBe('SIGKILL');
      ssm.destroy();
      process = await startGatewayProcess(persisted.dataDir, { SERVICES: 'ssm' });
      ssm = new SSMClient({ endpoint: process.url, region: 'us-east-1', credentials: testCredentials() });
      const { Parameter } = await ssm.send(new GetParameterCommand({ Name: '/crash/p' }));
      expect(Parameter).toMatchObject({ Value: 'v20', Version: 20 });
    } finally {
      ssm.destroy();
      if (process.child.exitCode === null && process.child.signalCode === null) process.child.kill('SIGKILL');
    }
  });
});
