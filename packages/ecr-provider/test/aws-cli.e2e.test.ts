import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { awsCliEnv, requireAwsCliV2 } from '@localcloud/gateway/testing';
import { DockerCli, describeWithRegistry, startEcrTestBed, type EcrTestBed } from './support';

const cli = requireAwsCliV2();

/** The documented loop, typed as a user types it: `aws ecr get-login-password | docker login …`, then push. */
(cli ? describeWithRegistry : describe.skip)('the AWS CLI and the docker CLI against localcloud ECR', () => {
  let bed: EcrTestBed;
  const docker = new DockerCli();
  const id = randomBytes(3).toString('hex');

  beforeAll(async () => {
    bed = await startEcrTestBed();
    await docker.buildImage(`lc-ecr-cli/app-${id}:1`, `cli ${id}\n`);
  });
  afterAll(async () => {
    await docker.cleanup();
    await bed?.close();
  });

  const shell = (script: string) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        'bash',
        ['-o', 'pipefail', '-c', script],
        {
          timeout: 120_000,
          env: awsCliEnv({ DOCKER_CONFIG: docker.configDir, AWS: `${cli} --endpoint-url ${bed.gw.url}` }),
        },
        (error, stdout, stderr) =>
          resolve({ code: error ? Number(error.code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) }),
      );
    });

  it('creates a repository, logs in with get-login-password and pushes', async () => {
    const create = await shell(
      `$AWS ecr create-repository --repository-name cli/app-${id} --query repository.repositoryUri --output text`,
    );
    expect(create).toMatchObject({ code: 0 });
    const uri = create.stdout.trim();
    expect(uri).toBe(`${bed.registryHost}/000000000000/us-east-1/cli/app-${id}`);

    const login = await shell(
      `$AWS ecr get-login-password --region us-east-1 | docker login --username AWS --password-stdin ${bed.registryHost}`,
    );
    expect(login.stdout).toContain('Login Succeeded');

    docker.track(`${uri}:1`);
    const push = await shell(`docker tag lc-ecr-cli/app-${id}:1 ${uri}:1 && docker push ${uri}:1`);
    expect(push).toMatchObject({ code: 0 });

    const described = await shell(`$AWS ecr describe-repositories --repository-names cli/app-${id} --output json`);
    expect(JSON.parse(described.stdout).repositories[0].repositoryUri).toBe(uri);

    const missing = await shell(`$AWS ecr delete-repository --repository-name cli/nope-${id}`);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('RepositoryNotFoundException');
  });
});
