import { ServiceError } from '@localcloud/gateway';
import { registryHostOf, registryLogin } from './registry-credentials';

const ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:reg-AbCdEf';

function secretsManager(values: Record<string, string>) {
  const calls: { input: unknown; region: string; accountId: string }[] = [];
  const provider = {
    async handle(_operation: string, input: unknown, context: { region: string; accountId: string }) {
      calls.push({ input, region: context.region, accountId: context.accountId });
      const value = values[(input as { SecretId: string }).SecretId];
      if (value === undefined) {
        throw new ServiceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
      }
      return { SecretString: value };
    },
  };
  return { calls, lookup: async (name: string) => (name === 'secretsmanager' ? provider : undefined) };
}

const task = { accountId: '000000000000', region: 'us-east-1' };
const container = (credentialsParameter: string) => ({ name: 'app', repositoryCredentials: { credentialsParameter } });

describe('registryLogin', () => {
  it("reads the secret's username and password in the ARN's account and region", async () => {
    const asm = secretsManager({ [ARN]: JSON.stringify({ username: 'u', password: 'p' }) });
    await expect(registryLogin(asm.lookup, task, container(ARN))).resolves.toEqual({ username: 'u', password: 'p' });
    expect(asm.calls).toEqual([{ input: { SecretId: ARN }, region: 'eu-west-1', accountId: '111122223333' }]);
  });

  it("looks a secret given by name up in the task's account and region", async () => {
    const asm = secretsManager({ reg: JSON.stringify({ username: 'u', password: 'p' }) });
    await registryLogin(asm.lookup, task, container('reg'));
    expect(asm.calls[0]).toMatchObject({ region: 'us-east-1', accountId: '000000000000' });
  });

  it.each([
    ['', 'asm fetching authorization data: empty secrets value'],
    ['not json', 'asm fetching authorization data: unable to unmarshal secret value, invalid schema'],
    ['[1]', 'asm fetching authorization data: unable to unmarshal secret value, invalid schema'],
    ['{"password":"p"}', 'asm fetching username: AuthorizationData is malformed, empty field'],
    ['{"username":"u","password":""}', 'asm fetching password: AuthorizationData is malformed, empty field'],
  ])('refuses %j with the agent words, never the value', async (value, detail) => {
    const asm = secretsManager({ [ARN]: value });
    const error = await registryLogin(asm.lookup, task, container(ARN)).catch((e: Error) => e);
    expect((error as Error).message).toBe(
      `execution resource retrieval failed: unable to retrieve secret from asm: ${detail}`,
    );
  });

  it('names Secrets Manager missing from SERVICES', async () => {
    const error = await registryLogin(async () => undefined, task, container(ARN)).catch((e: Error) => e);
    expect((error as Error).message).toContain('add "secretsmanager" to SERVICES');
  });
});

describe('registryHostOf', () => {
  it.each([
    ['localhost:5000/app:1', 'localhost:5000'],
    ['registry.example.com/team/app@sha256:abc', 'registry.example.com'],
    ['localhost/app', 'localhost'],
    ['team/app:1', 'https://index.docker.io/v1/'],
    ['busybox', 'https://index.docker.io/v1/'],
  ])('%s is on %s', (image, host) => expect(registryHostOf(image)).toBe(host));
});
