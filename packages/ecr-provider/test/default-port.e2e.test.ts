import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { CreateRepositoryCommand, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { DockerCli, describeWithRegistry, inCi, startEcrTestBed, type EcrTestBed } from './support';

/** The registry's address when ECR_REGISTRY_LISTEN is not set (docs/configuration.md). */
const DEFAULT_PORT = 4510;

/**
 * Whether 127.0.0.1:<port> can be bound now, asked synchronously (jest decides at collection time whether
 * a suite runs) by a short Node child that binds it and lets go.
 */
function portTaken(port: number): boolean {
  const probe = `require('net').createServer().once('error', () => process.exit(3))
    .listen(${port}, '127.0.0.1', function () { this.close(); })`;
  return spawnSync(process.execPath, ['-e', probe], { timeout: 15_000 }).status !== 0;
}

/** Who listens on <port>, for the failure message: `ss` names the process where it can see it. */
function holderOf(port: number): string {
  const ss = spawnSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' });
  const lines = ss.status === 0 ? ss.stdout.trim() : '';
  return lines
    ? `held by:\n${lines}`
    : `held by a process \`ss -ltnp\` does not show (${ss.error?.message ?? 'none listed'})`;
}

/**
 * Every other push and pull test gives the registry port 0; this one leaves ECR_REGISTRY_LISTEN unset, as
 * users do, and goes through 127.0.0.1:4510 end to end. Where something else holds that port (a developer's
 * own `npm start`), the suite is skipped, but in CI it fails and says what holds it.
 */
if (portTaken(DEFAULT_PORT)) {
  if (inCi) {
    test(`the default registry port 127.0.0.1:${DEFAULT_PORT} is free`, () => {
      throw new Error(
        `127.0.0.1:${DEFAULT_PORT} is taken, so ECR's default port cannot be tested; ${holderOf(DEFAULT_PORT)}`,
      );
    });
  } else {
    describe.skip(`ECR on its default registry port (127.0.0.1:${DEFAULT_PORT} is taken)`, () => {
      it.todo('runs when the port is free');
    });
  }
} else {
  describeWithRegistry(`ECR on its default registry port ${DEFAULT_PORT}`, () => {
    let bed: EcrTestBed;
    const docker = new DockerCli();
    const id = randomBytes(3).toString('hex');
    const local = `lc-ecr-default/app-${id}:1`;

    beforeAll(async () => {
      // undefined: the variable is unset, whatever the test environment sets, so the provider's default applies.
      bed = await startEcrTestBed({ ECR_REGISTRY_LISTEN: undefined });
      await docker.buildImage(local, `hello on ${DEFAULT_PORT} from ${id}\n`);
    });
    afterAll(async () => {
      await docker.cleanup();
      await bed?.close();
    });

    it('names localhost:4510 in URIs and tokens, and the docker CLI logs in, pushes and pulls there', async () => {
      expect(bed.registryHost).toBe(`localhost:${DEFAULT_PORT}`);
      const { repository } = await bed.ecr.send(new CreateRepositoryCommand({ repositoryName: `default-${id}` }));
      const uri = repository!.repositoryUri!;
      expect(uri).toBe(`localhost:${DEFAULT_PORT}/000000000000/us-east-1/default-${id}`);

      const { authorizationData } = await bed.ecr.send(new GetAuthorizationTokenCommand({}));
      expect(authorizationData![0]!.proxyEndpoint).toBe(`http://localhost:${DEFAULT_PORT}`);
      const token = Buffer.from(authorizationData![0]!.authorizationToken!, 'base64').toString('utf8');
      const login = await docker.run(
        ['login', '--username', 'AWS', '--password-stdin', authorizationData![0]!.proxyEndpoint!],
        token.slice('AWS:'.length),
      );
      expect(login.stdout + login.stderr).toContain('Login Succeeded');

      await docker.tag(local, `${uri}:1`);
      expect(await docker.ok(['push', `${uri}:1`])).toMatch(/1: digest: sha256:[0-9a-f]{64}/);
      // Removed locally, so the run below can only have the image from the registry on the default port.
      await docker.ok(['rmi', `${uri}:1`]);
      await docker.ok(['pull', `${uri}:1`]);
      expect(await docker.ok(['run', '--rm', `${uri}:1`])).toBe(`hello on ${DEFAULT_PORT} from ${id}\n`);
    });
  });
}
