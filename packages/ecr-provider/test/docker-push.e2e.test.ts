import { randomBytes } from 'node:crypto';
import {
  CreateRepositoryCommand,
  DeleteRepositoryCommand,
  DescribeRepositoriesCommand,
  GetAuthorizationTokenCommand,
} from '@aws-sdk/client-ecr';
import { DockerCli, describeWithRegistry, startEcrTestBed, type EcrTestBed } from './support';

/** The whole loop with the real docker CLI: create a repository, log in with the ECR token, push, pull. */
describeWithRegistry('docker login and push to ECR repositories', () => {
  let bed: EcrTestBed;
  const docker = new DockerCli();
  const id = randomBytes(3).toString('hex');
  const local = `lc-ecr-test/app-${id}:1`;

  beforeAll(async () => {
    bed = await startEcrTestBed();
    await docker.buildImage(local, `hello from ${id}\n`);
  });
  afterAll(async () => {
    await docker.cleanup();
    await bed?.close();
  });

  const password = async (ecr = bed.ecr) => {
    const { authorizationData } = await ecr.send(new GetAuthorizationTokenCommand({}));
    const token = Buffer.from(authorizationData![0]!.authorizationToken!, 'base64').toString('utf8');
    expect(token.startsWith('AWS:')).toBe(true);
    return { password: token.slice(4), endpoint: authorizationData![0]!.proxyEndpoint! };
  };

  it('refuses a push without login, then accepts it after docker login with the token', async () => {
    const { repository } = await bed.ecr.send(new CreateRepositoryCommand({ repositoryName: `team/app-${id}` }));
    const uri = repository!.repositoryUri!;
    expect(uri).toBe(`${bed.registryHost}/000000000000/us-east-1/team/app-${id}`);
    await docker.tag(local, `${uri}:1`);

    const refused = await docker.run(['push', `${uri}:1`]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr + refused.stdout).toMatch(/no basic auth credentials|unauthorized|authentication required/i);

    const { password: secret, endpoint } = await password();
    expect(endpoint).toBe(`http://${bed.registryHost}`);
    const login = await docker.run(['login', '--username', 'AWS', '--password-stdin', endpoint], secret);
    expect(login.stdout + login.stderr).toContain('Login Succeeded');

    const pushed = await docker.ok(['push', `${uri}:1`]);
    expect(pushed).toMatch(/1: digest: sha256:[0-9a-f]{64}/);

    // And back: the local copy removed, the registry's pulled.
    await docker.ok(['rmi', `${uri}:1`]);
    await docker.ok(['pull', `${uri}:1`]);
    expect(await docker.ok(['run', '--rm', `${uri}:1`])).toBe(`hello from ${id}\n`);
  });

  it('refuses a wrong password and a push to a repository that does not exist', async () => {
    const other = new DockerCli();
    try {
      const bad = await other.run(['login', '--username', 'AWS', '--password-stdin', bed.registryHost], 'not-a-token');
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toMatch(/unauthorized|invalid authorization token/i);
    } finally {
      await other.cleanup();
    }
    const { password: secret } = await password();
    await docker.ok(['login', '--username', 'AWS', '--password-stdin', bed.registryHost], secret);
    const uri = `${bed.registryHost}/000000000000/us-east-1/missing-${id}`;
    await docker.tag(local, `${uri}:1`);
    const result = await docker.run(['push', `${uri}:1`]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(
      `The repository with name 'missing-${id}' does not exist in the registry with id '000000000000'`,
    );
  });

  it("refuses another account's repository with this account's token", async () => {
    const { ECRClient } = await import('@aws-sdk/client-ecr');
    const other = new ECRClient({
      endpoint: bed.gw.url,
      region: 'us-east-1',
      credentials: { accessKeyId: '111122223333', secretAccessKey: 'test' },
    });
    try {
      const { repository } = await other.send(new CreateRepositoryCommand({ repositoryName: `private-${id}` }));
      expect(repository!.repositoryUri).toBe(`${bed.registryHost}/111122223333/us-east-1/private-${id}`);
      const { password: secret } = await password(); // account 000000000000's token
      await docker.ok(['login', '--username', 'AWS', '--password-stdin', bed.registryHost], secret);
      await docker.tag(local, `${repository!.repositoryUri}:1`);
      const result = await docker.run(['push', `${repository!.repositoryUri}:1`]);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/denied: Your authorization token is for registry 000000000000/);
    } finally {
      other.destroy();
    }
  });

  it('deletes a repository with images only with force, and its images with it', async () => {
    const name = `gone-${id}`;
    const { repository } = await bed.ecr.send(new CreateRepositoryCommand({ repositoryName: name }));
    const { password: secret } = await password();
    await docker.ok(['login', '--username', 'AWS', '--password-stdin', bed.registryHost], secret);
    await docker.tag(local, `${repository!.repositoryUri}:1`);
    await docker.ok(['push', `${repository!.repositoryUri}:1`]);

    await expect(bed.ecr.send(new DeleteRepositoryCommand({ repositoryName: name }))).rejects.toMatchObject({
      name: 'RepositoryNotEmptyException',
    });
    await bed.ecr.send(new DeleteRepositoryCommand({ repositoryName: name, force: true }));
    await expect(bed.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [name] }))).rejects.toMatchObject({
      name: 'RepositoryNotFoundException',
    });

    // Created again, it is empty: the old image cannot be pulled.
    await bed.ecr.send(new CreateRepositoryCommand({ repositoryName: name }));
    await docker.ok(['rmi', `${repository!.repositoryUri}:1`]);
    const pull = await docker.run(['pull', `${repository!.repositoryUri}:1`]);
    expect(pull.code).not.toBe(0);
    expect(pull.stderr).toMatch(/manifest unknown|not found/i);
  });
});
