import type { TaskDefinition } from '@aws-sdk/client-ecs';
import { ServiceError } from '@localcloud/gateway';
import { parseValueFrom, SecretsUnavailableError, TaskSecrets } from './task-secrets';

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-AbCdEf';

/** Fake providers answering with AWS API shapes, recording what they were asked. */
function fakes() {
  const calls: {
    service: string;
    operation: string;
    input: Record<string, unknown>;
    region: string;
    accountId: string;
  }[] = [];
  const parameters: Record<string, string> = { '/app/a': 'A', plain: 'P' };
  const secrets: Record<string, string> = {
    [`${SECRET_ARN}|AWSCURRENT`]: JSON.stringify({ user: 'admin', password: 'pw-current', port: 5432 }),
    [`${SECRET_ARN}|AWSPREVIOUS`]: JSON.stringify({ password: 'pw-previous' }),
    [`${SECRET_ARN}|v-1`]: JSON.stringify({ password: 'pw-v1' }),
  };
  const provider = (service: string) => ({
    async handle(operation: string, input: unknown, context: { region: string; accountId: string }) {
      const i = input as Record<string, unknown>;
      calls.push({ service, operation, input: i, region: context.region, accountId: context.accountId });
      if (service === 'ssm') {
        const value = parameters[String(i.Name)];
        if (value === undefined) throw new ServiceError('ParameterNotFound', `Parameter ${String(i.Name)} not found.`);
        return { Parameter: { Name: i.Name, Value: value } };
      }
      const key = `${String(i.SecretId)}|${String(i.VersionId ?? i.VersionStage ?? 'AWSCURRENT')}`;
      const value = secrets[key];
      if (value === undefined) {
        throw new ServiceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
      }
      return { ARN: i.SecretId, SecretString: value };
    },
  });
  return {
    calls,
    lookup: async (name: string) => (['ssm', 'secretsmanager'].includes(name) ? provider(name) : undefined),
  };
}

const task = { accountId: '000000000000', region: 'us-east-1', taskArn: 'arn:aws:ecs:us-east-1:000000000000:task/c/t' };
const definition = (
  secrets: { name: string; valueFrom: string }[],
  secretOptions?: typeof secrets,
): TaskDefinition => ({
  containerDefinitions: [
    {
      name: 'app',
      secrets,
      ...(secretOptions ? { logConfiguration: { logDriver: 'awslogs', options: {}, secretOptions } } : {}),
    },
  ],
});

async function reason(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    expect(error).toBeInstanceOf(SecretsUnavailableError);
    return (error as Error).message;
  }
  throw new Error('expected the resolution to fail');
}

describe('parseValueFrom', () => {
  it('reads ECS forms: SSM name and ARN, Secrets Manager ARN with json key, stage and version id', () => {
    expect(parseValueFrom('/a/b')).toEqual({ kind: 'ssm', name: '/a/b' });
    expect(parseValueFrom('arn:aws:ssm:eu-west-1:111122223333:parameter/a')).toEqual({
      kind: 'ssm',
      name: 'arn:aws:ssm:eu-west-1:111122223333:parameter/a',
      region: 'eu-west-1',
      accountId: '111122223333',
    });
    expect(parseValueFrom(SECRET_ARN)).toMatchObject({
      kind: 'secretsmanager',
      secretId: SECRET_ARN,
      jsonKey: undefined,
    });
    expect(parseValueFrom(`${SECRET_ARN}:password:AWSPREVIOUS:`)).toMatchObject({
      secretId: SECRET_ARN,
      jsonKey: 'password',
      versionStage: 'AWSPREVIOUS',
      versionId: undefined,
    });
    expect(parseValueFrom(`${SECRET_ARN}:::v-1`)).toMatchObject({
      jsonKey: undefined,
      versionStage: undefined,
      versionId: 'v-1',
    });
  });
});

describe('TaskSecrets', () => {
  it('asks SSM with decryption, in the task scope or the ARN scope', async () => {
    const { calls, lookup } = fakes();
    const secrets = new TaskSecrets({ lookupProvider: lookup });
    const resolved = await secrets.resolve(
      task,
      definition([
        { name: 'A', valueFrom: '/app/a' },
        { name: 'P', valueFrom: 'plain' },
      ]),
    );
    expect(resolved.environment).toEqual({ app: { A: 'A', P: 'P' } });
    expect(calls[0]).toEqual({
      service: 'ssm',
      operation: 'GetParameter',
      input: { Name: '/app/a', WithDecryption: true },
      region: 'us-east-1',
      accountId: '000000000000',
    });
  });

  it('reads a whole secret, a JSON key, a version stage and a version id from Secrets Manager in the ARN scope', async () => {
    const { calls, lookup } = fakes();
    const secrets = new TaskSecrets({ lookupProvider: lookup });
    const resolved = await secrets.resolve(
      task,
      definition([
        { name: 'WHOLE', valueFrom: SECRET_ARN },
        { name: 'PASSWORD', valueFrom: `${SECRET_ARN}:password::` },
        { name: 'PORT', valueFrom: `${SECRET_ARN}:port::` },
        { name: 'PREVIOUS', valueFrom: `${SECRET_ARN}:password:AWSPREVIOUS:` },
        { name: 'V1', valueFrom: `${SECRET_ARN}:password::v-1` },
      ]),
    );
    expect(resolved.environment.app).toEqual({
      WHOLE: JSON.stringify({ user: 'admin', password: 'pw-current', port: 5432 }),
      PASSWORD: 'pw-current',
      PORT: '5432',
      PREVIOUS: 'pw-previous',
      V1: 'pw-v1',
    });
    expect(calls.map((c) => [c.operation, c.input, c.region, c.accountId])).toContainEqual([
      'GetSecretValue',
      { SecretId: SECRET_ARN, VersionStage: 'AWSPREVIOUS' },
      'eu-west-1',
      '111122223333',
    ]);
    expect(calls.map((c) => c.input)).toContainEqual({ SecretId: SECRET_ARN, VersionId: 'v-1' });
  });

  it('fails with ECS reasons that name what is missing and never a value', async () => {
    const { lookup } = fakes();
    const secrets = new TaskSecrets({ lookupProvider: lookup });
    expect(await reason(secrets.resolve(task, definition([{ name: 'K', valueFrom: `${SECRET_ARN}:nokey::` }])))).toBe(
      'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: ' +
        'unable to retrieve secret from asm: retrieved secret from Secrets Manager did not contain json key nokey',
    );
    const missing = await reason(
      secrets.resolve(
        task,
        definition([{ name: 'K', valueFrom: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:gone-AbCdEf' }]),
      ),
    );
    expect(missing).toContain(
      'failed to fetch secret arn:aws:secretsmanager:us-east-1:000000000000:secret:gone-AbCdEf',
    );
    expect(missing).toContain("ResourceNotFoundException: Secrets Manager can't find the specified secret.");
    const stage = await reason(
      secrets.resolve(task, definition([{ name: 'K', valueFrom: `${SECRET_ARN}:password:AWSPENDING:` }])),
    );
    expect(stage).toContain('ResourceNotFoundException');
    for (const text of [missing, stage]) expect(text).not.toMatch(/pw-|admin/);
    expect(await reason(secrets.resolve(task, definition([{ name: 'X', valueFrom: '/nope' }])))).toMatch(
      /invalid ssm parameters: \/nope$/,
    );
  });

  it('refuses a JSON key of a secret that is not a JSON object, without quoting it', async () => {
    const lookup = async () => ({ handle: async () => ({ SecretString: 'not-json-s3cret' }) });
    const text = await reason(
      new TaskSecrets({ lookupProvider: lookup }).resolve(
        task,
        definition([{ name: 'K', valueFrom: `${SECRET_ARN}:k::` }]),
      ),
    );
    expect(text).toContain('is not a JSON object');
    expect(text).not.toContain('s3cret');
  });

  it('names the service to enable when SSM or Secrets Manager is not', async () => {
    const secrets = new TaskSecrets({ lookupProvider: async () => undefined });
    expect(await reason(secrets.resolve(task, definition([{ name: 'A', valueFrom: '/app/a' }])))).toContain(
      'add "ssm" to SERVICES',
    );
    expect(await reason(secrets.resolve(task, definition([{ name: 'A', valueFrom: SECRET_ARN }])))).toContain(
      'add "secretsmanager" to SERVICES',
    );
  });

  it('resolves logConfiguration.secretOptions the same way', async () => {
    const { lookup } = fakes();
    const secrets = new TaskSecrets({ lookupProvider: lookup });
    const resolved = await secrets.resolve(
      task,
      definition([], [{ name: 'splunk-token', valueFrom: `${SECRET_ARN}:password::` }]),
    );
    expect(resolved.logOptions).toEqual({ app: { 'splunk-token': 'pw-current' } });
    expect(await reason(secrets.resolve(task, definition([], [{ name: 'token', valueFrom: '/none' }])))).toMatch(
      /invalid ssm parameters: \/none$/,
    );
  });
});
