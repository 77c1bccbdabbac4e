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

  it('previews and applies a lifecycle policy with the CLI', async () => {
    const policy = JSON.stringify({
      rules: [
        {
          rulePriority: 1,
          selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 },
          action: { type: 'expire' },
        },
      ],
    });
    const repo = `cli/app-${id}`;
    const uri = `${bed.registryHost}/000000000000/us-east-1/${repo}`;
    docker.track(`${uri}:2`);
    await docker.buildImage(`lc-ecr-cli/app-${id}:2`, `cli two ${id}\n`);
    expect(await shell(`docker tag lc-ecr-cli/app-${id}:2 ${uri}:2 && docker push ${uri}:2`)).toMatchObject({
      code: 0,
    });

    const start = await shell(
      `$AWS ecr start-lifecycle-policy-preview --repository-name ${repo} --lifecycle-policy-text '${policy}'`,
    );
    expect(JSON.parse(start.stdout)).toMatchObject({ status: 'COMPLETE' });
    const preview = await shell(
      `$AWS ecr get-lifecycle-policy-preview --repository-name ${repo} --query 'previewResults[].imageTags[0]' --output text`,
    );
    expect(preview.stdout.trim()).toBe('1');

    expect(
      await shell(`$AWS ecr put-lifecycle-policy --repository-name ${repo} --lifecycle-policy-text '${policy}'`),
    ).toMatchObject({ code: 0 });
    const left = await shell(
      `$AWS ecr list-images --repository-name ${repo} --query 'imageIds[].imageTag' --output text`,
    );
    expect(left.stdout.trim()).toBe('2');

    // A tagged rule without tagPrefixList or tagPatternList (long enough for the CLI's own length check).
    const invalid = policy.replace('"any"', '"tagged"');
    const bad = await shell(
      `$AWS ecr put-lifecycle-policy --repository-name ${repo} --lifecycle-policy-text '${invalid}'`,
    );
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('InvalidParameterException');
  });
});
