/**
 * The docker-compose dev stack end to end (docs/dev-stack.md): builds the gateway image from the
 * repository's files with the top-level Dockerfile and docker-compose.yml, brings the stack up with
 * each compose CLI present (Debian's docker-compose 1.29, `docker compose` v2), drives ECS through
 * the published port with the AWS SDK, runs a task that calls back into the gateway by name on the
 * stack's network, and checks that `down` leaves nothing the stack started.
 *
 * The image is built from a copy of the working tree's files that git would commit (tracked, plus
 * untracked files that are not ignored), so node_modules, dist and anything else ignored never reach
 * the build; on CI's fresh clone that is exactly HEAD. Needs a Docker engine and a compose CLI: with
 * CI set (inCi) their absence fails the suite, elsewhere it skips it.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  CreateClusterCommand,
  DescribeTasksCommand,
  ECSClient,
  ListClustersCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import {
  CreatePrivateDnsNamespaceCommand,
  CreateServiceCommand as CreateCloudMapServiceCommand,
  GetOperationCommand,
  RegisterInstanceCommand,
  ServiceDiscoveryClient,
} from '@aws-sdk/client-servicediscovery';
import { inCi } from '../src/testing/in-ci';

const REPO_ROOT = path.resolve(__dirname, '../../..');
/** Names this run's projects, networks and image tag: concurrent runs and a developer's stack never meet. */
const RUN_ID = `lcstack${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const IMAGE = `localcloud/gateway:e2e-${RUN_ID}`;
const TEST_IMAGE = 'localcloud-test/busybox:latest';
/** The endpoint docker-compose.yml advertises to tasks: the gateway's alias on the stack's network. */
const TASK_ENDPOINT = 'http://localcloud:4566';
/** The address of the Cloud Map instance the probe task resolves. */
const PROBE_ADDRESS = '10.9.9.9';

interface ComposeCli {
  readonly label: string;
  readonly command: string;
  readonly baseArgs: readonly string[];
  readonly version: string;
}

function succeeds(command: string, args: string[]): string | undefined {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 15_000 });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

function composeClis(): ComposeCli[] {
  const clis: ComposeCli[] = [];
  const v1 = succeeds('docker-compose', ['version', '--short']);
  if (v1) clis.push({ label: 'docker-compose', command: 'docker-compose', baseArgs: [], version: v1 });
  const v2 = succeeds('docker', ['compose', 'version', '--short']);
  if (v2) clis.push({ label: 'docker compose', command: 'docker', baseArgs: ['compose'], version: v2 });
  return clis;
}

const engineVersion = succeeds('docker', ['version', '--format', '{{.Server.Version}}']);
const CLIS = engineVersion ? composeClis() : [];
const missing = !engineVersion
  ? 'no Docker engine answers `docker version`'
  : CLIS.length === 0
    ? 'no compose CLI: neither `docker-compose` (apt-get install -y docker-compose) nor `docker compose`'
    : undefined;

/** Runs a command; resolves with stdout, rejects with the command line and the tail of its output. */
function run(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      [...args],
      {
        cwd: options.cwd,
        env: options.env,
        timeout: options.timeoutMs ?? 60_000,
        maxBuffer: 64 * 1024 * 1024,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        const tail = `${stdout}\n${stderr}`.trim().split('\n').slice(-40).join('\n');
        reject(new Error(`\`${command} ${args.join(' ')}\` failed (${error.message.split('\n')[0]}):\n${tail}`));
      },
    );
  });
}

const docker = (args: string[], timeoutMs?: number) => run('docker', args, { timeoutMs });
const exists = (kind: 'network' | 'volume', name: string) =>
  docker([kind, 'inspect', name]).then(
    () => true,
    () => false,
  );
const lines = (output: string) => output.split('\n').filter(Boolean);
const seconds = (ms: number) => Number((ms / 1000).toFixed(1));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Copies the files git would commit from the working tree (tracked + untracked, not ignored). */
function snapshotWorkingTree(dest: string): void {
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  for (const file of new Set(listed.split('\0').filter(Boolean))) {
    const source = path.join(REPO_ROOT, file);
    const stat = fs.lstatSync(source, { throwIfNoEntry: false });
    if (!stat || stat.isDirectory()) continue; // deleted in the working tree, or a submodule
    fs.mkdirSync(path.dirname(path.join(dest, file)), { recursive: true });
    fs.cpSync(source, path.join(dest, file), { verbatimSymlinks: true });
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** What the entrypoint should decide for this host's socket (docker/entrypoint.js). */
function expectedGatewayUid(): number {
  const stat = fs.statSync('/var/run/docker.sock', { throwIfNoEntry: false });
  if (!stat) return 1000;
  if ((stat.mode & 0o006) === 0o006) return 1000;
  return stat.gid !== 0 && (stat.mode & 0o060) === 0o060 ? 1000 : 0;
}

const timings: Record<string, number> = {};
const describeStack = missing && !inCi() ? describe.skip : describe;

describeStack('the docker-compose dev stack', () => {
  let workTree: string;
  /** Whether this host had a registry binary for the image (CI installs one): then ECR must run in it. */
  let registryStaged = false;

  beforeAll(async () => {
    if (missing) throw new Error(`The dev stack test needs a Docker engine and a compose CLI: ${missing}.`);
    const started = Date.now();
    workTree = fs.mkdtempSync(path.join(os.tmpdir(), 'localcloud-stack-'));
    snapshotWorkingTree(workTree);
    // ECR's registry binary for a base without apt-get (the stand-in below); ignored with the real base.
    const staged = await run('bash', [path.join(REPO_ROOT, 'scripts/stage-registry-binary.sh'), workTree]);
    registryStaged = staged.startsWith('staged ');
    // No registry here: the stand-in for the Dockerfile's base image (a no-op when the tag exists).
    await run('bash', [path.join(REPO_ROOT, 'scripts/build-node-base-image.sh')], { timeoutMs: 120_000 });
    timings.baseImageSeconds = seconds(Date.now() - started);
    // The compose file's own build section, through the first CLI, tagged for this test alone.
    const buildStarted = Date.now();
    const cli = CLIS[0];
    // --force-rm: the legacy builder otherwise leaves the container of a failed step behind.
    const buildArgs = cli.label === 'docker-compose' ? ['build', '--force-rm'] : ['build'];
    await run(cli.command, [...cli.baseArgs, '-p', RUN_ID, ...buildArgs], {
      cwd: workTree,
      env: { ...process.env, LOCALCLOUD_IMAGE: IMAGE },
      // A guard against a hung build, not a timing: a cold build (npm ci, tsc -b, the bundle) took over
      // 240 s on this 2-core machine while it was shared with other builds and benchmarks.
      timeoutMs: 540_000,
    });
    timings.imageBuildSeconds = seconds(Date.now() - buildStarted);
    timings.imageSizeMB = Math.round(
      Number((await docker(['image', 'inspect', '-f', '{{.Size}}', IMAGE])).trim()) / 1e6,
    );
  }, 600_000);

  afterAll(async () => {
    if (workTree) fs.rmSync(workTree, { recursive: true, force: true });
    // The tag goes; the build's cached layers stay for the next run.
    if (!missing) await docker(['rmi', IMAGE]).catch(() => undefined);
    console.log(
      `dev stack (engine ${engineVersion}; ${CLIS.map((c) => `${c.label} ${c.version}`).join(', ')}): ` +
        JSON.stringify(timings),
    );
  });

  it('builds an image holding only what runs', async () => {
    // No sources, tests or dev dependencies; the compiled gateway and its production dependencies.
    const probe = [
      "const fs = require('fs');",
      "const gone = ['packages/gateway/src', 'node_modules/typescript', 'node_modules/jest', 'node_modules/eslint'];",
      "const there = ['packages/gateway/dist/localcloud.js', 'packages/ecs-provider/dist/index.js', 'node_modules/express'];",
      'const bad = [...gone.filter((p) => fs.existsSync(p)).map((p) => "present: " + p),',
      '  ...there.filter((p) => !fs.existsSync(p)).map((p) => "missing: " + p)];',
      'if (bad.length) { console.error(bad.join("\\n")); process.exit(1); }',
    ].join('\n');
    await docker(['run', '--rm', '--entrypoint', 'node', IMAGE, '-e', probe]);
    if (registryStaged) {
      // ECR's registry is in the image, at the path the provider looks for it.
      await docker(['run', '--rm', '--entrypoint', '/usr/bin/docker-registry', IMAGE, '--version']);
    }
    const config = JSON.parse(await docker(['image', 'inspect', '-f', '{{json .Config}}', IMAGE]));
    expect(config.ExposedPorts).toHaveProperty(['4566/tcp']);
    expect(config.Env).toContain('GATEWAY_LISTEN=0.0.0.0:4566');
    expect(config.Healthcheck.Test).toEqual(['CMD', 'node', '/opt/localcloud/healthcheck.js']);
  });

  // One full pass per compose CLI present.
  for (const cli of CLIS) {
    const label = cli.label;
    describe(`with ${label}`, () => {
      // Unique names: a developer's own stack (network `localcloud`, port 4566) is never touched.
      const project = `${RUN_ID}${label === 'docker-compose' ? 'a' : 'b'}`;
      const network = project;
      const volume = `${project}_localcloud-data`;
      let port: number;
      let env: NodeJS.ProcessEnv;
      let ecs: ECSClient;
      let composeUp = false;

      const compose = (args: string[], timeoutMs = 120_000) =>
        run(
          cli.command,
          [...cli.baseArgs, '-p', project, '-f', 'docker-compose.yml', '-f', `${project}.yml`, ...args],
          {
            cwd: workTree,
            env,
            timeoutMs,
          },
        );
      const gatewayContainer = async () => lines(await compose(['ps', '-q', 'localcloud']))[0];
      const leftovers = async () => [
        ...lines(await docker(['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`])),
        ...lines(await docker(['ps', '-aq', '--filter', `label=localcloud.ecs.managed=${project}`])),
        ...lines(await docker(['ps', '-aq', '--filter', `network=${network}`])),
      ];

      beforeAll(async () => {
        if (missing) return;
        port = await freePort();
        env = { ...process.env, LOCALCLOUD_PORT: String(port), LOCALCLOUD_NETWORK: network, LOCALCLOUD_IMAGE: IMAGE };
        // Settings for this test only: task containers named after the project (so they can be told
        // apart from a developer's). The network holder is localcloud's built-in one: no registry needed.
        fs.writeFileSync(
          path.join(workTree, `${project}.yml`),
          [
            "version: '2.4'",
            'services:',
            '  localcloud:',
            '    environment:',
            `      ECS_CONTAINER_PREFIX: ${project}`,
            '',
          ].join('\n'),
        );
        ecs = new ECSClient({
          endpoint: `http://127.0.0.1:${port}`,
          region: 'us-east-1',
          credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        });
      });

      afterAll(async () => {
        ecs?.destroy();
        if (missing || !composeUp) return;
        // Whatever a failed test left: the stack, its volume, and task containers by label.
        await compose(['down', '-v', '--remove-orphans', '-t', '5']).catch(() => undefined);
        const stray = lines(await docker(['ps', '-aq', '--filter', `label=localcloud.ecs.managed=${project}`]));
        if (stray.length) await docker(['rm', '-f', ...stray]).catch(() => undefined);
        await docker(['network', 'rm', network]).catch(() => undefined);
      }, 120_000);

      it('comes up healthy and serves ECS through the published port', async () => {
        const started = Date.now();
        composeUp = true;
        await compose(['up', '-d']);
        const id = await gatewayContainer();
        let health = '';
        while (Date.now() - started < 90_000) {
          health = (await docker(['inspect', '-f', '{{.State.Health.Status}}', id])).trim();
          if (health === 'healthy' || health === 'unhealthy') break;
          await sleep(200);
        }
        if (health !== 'healthy') {
          throw new Error(`gateway is ${health || 'not running'}; its log:\n${await compose(['logs', '--no-color'])}`);
        }
        timings[`${label}: up to healthy seconds`] = seconds(Date.now() - started);

        const { cluster } = await ecs.send(new CreateClusterCommand({ clusterName: 'stack' }));
        expect(cluster).toMatchObject({
          clusterArn: 'arn:aws:ecs:us-east-1:000000000000:cluster/stack',
          status: 'ACTIVE',
        });
        expect((await ecs.send(new ListClustersCommand({}))).clusterArns).toContain(cluster?.clusterArn);
        if (registryStaged) {
          // ECR loads on first use (health says `available` until then); once used it reports running,
          // not degraded: the registry it starts on demand is in the image.
          const ecr = new ECRClient({
            endpoint: `http://127.0.0.1:${port}`,
            region: 'us-east-1',
            credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
          });
          try {
            await ecr.send(new GetAuthorizationTokenCommand({}));
          } finally {
            ecr.destroy();
          }
          const health = (await (await fetch(`http://127.0.0.1:${port}/_localcloud/health`)).json()) as {
            services: Record<string, { status: string }>;
          };
          expect(health.services.ecr).toMatchObject({ status: 'running' });
        }

        // The gateway sits on the stack's named network under the alias tasks are given.
        const networks = JSON.parse(await docker(['inspect', '-f', '{{json .NetworkSettings.Networks}}', id]));
        expect(Object.keys(networks)).toEqual([network]);
        expect(networks[network].Aliases).toContain('localcloud');
        // It runs unprivileged whenever the socket's group lets it (docker/entrypoint.js).
        const status = await docker(['exec', id, 'cat', '/proc/1/status']);
        expect(Number(/^Uid:\s+(\d+)/m.exec(status)?.[1])).toBe(expectedGatewayUid());
      }, 150_000);

      it('runs a task that reaches the gateway by name on the stack network', async () => {
        // Exit 2: AWS_ENDPOINT_URL is not the stack's; 3: the gateway did not answer through it. The
        // sleep keeps the container up long enough to be inspected on the network.
        const script = [
          `[ "$AWS_ENDPOINT_URL" = "${TASK_ENDPOINT}" ] || { echo "AWS_ENDPOINT_URL=$AWS_ENDPOINT_URL"; exit 2; }`,
          'timeout 5 wget -qO- "$AWS_ENDPOINT_URL/_localcloud/health" || exit 3',
          // 4: a Cloud Map name does not resolve through the local DNS (on the gateway's own address).
          `nslookup probe.stack.local | grep -q '${PROBE_ADDRESS}' || { nslookup probe.stack.local; exit 4; }`,
          'sleep 3',
        ].join('\n');
        const tasksLanded = async <T>(operation: string, call: Promise<T>): Promise<T> => {
          try {
            return await call;
          } catch (error) {
            if ((error as { name?: string }).name !== 'NotImplementedException') throw error;
            throw new Error(
              `${operation} answers NotImplementedException: ECS tasks on Docker have not landed yet, so the ` +
                'stack cannot run a task. This check is meant to fail until they do.',
            );
          }
        };
        // A Cloud Map name the task must resolve: the local DNS runs inside the gateway container.
        const sd = new ServiceDiscoveryClient({
          endpoint: `http://127.0.0.1:${port}`,
          region: 'us-east-1',
          credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        });
        try {
          const { OperationId } = await sd.send(
            new CreatePrivateDnsNamespaceCommand({ Name: 'stack.local', Vpc: 'vpc-stack' }),
          );
          const { Operation } = await sd.send(new GetOperationCommand({ OperationId }));
          const { Service } = await sd.send(
            new CreateCloudMapServiceCommand({
              Name: 'probe',
              NamespaceId: Operation!.Targets!.NAMESPACE!,
              DnsConfig: { DnsRecords: [{ Type: 'A', TTL: 5 }] },
            }),
          );
          await sd.send(
            new RegisterInstanceCommand({
              ServiceId: Service!.Id!,
              InstanceId: 'probe-1',
              Attributes: { AWS_INSTANCE_IPV4: PROBE_ADDRESS },
            }),
          );
        } finally {
          sd.destroy();
        }
        const { taskDefinition } = await tasksLanded(
          'RegisterTaskDefinition',
          ecs.send(
            new RegisterTaskDefinitionCommand({
              family: 'stack-probe',
              containerDefinitions: [
                { name: 'probe', image: TEST_IMAGE, essential: true, memory: 64, command: ['sh', '-c', script] },
              ],
            }),
          ),
        );
        const ran = await tasksLanded(
          'RunTask',
          ecs.send(new RunTaskCommand({ cluster: 'stack', taskDefinition: taskDefinition?.taskDefinitionArn })),
        );
        expect(ran.failures).toEqual([]);
        const taskArn = ran.tasks?.[0]?.taskArn as string;
        expect(taskArn).toBeDefined();

        // Until STOPPED, look at the task's container on the engine: which networks it joined, how it ended.
        const joined = new Set<string>();
        const engineSaw: string[] = [];
        let described: { tasks?: Task[]; failures?: unknown[] } = {};
        let task: Task | undefined;
        const started = Date.now();
        while (Date.now() - started < 60_000) {
          const ids = lines(await docker(['ps', '-aq', '--filter', `label=localcloud.ecs.task-arn=${taskArn}`]));
          for (const id of ids) {
            const inspected = await docker(['inspect', '-f', '{{json .}}', id]).catch(() => '');
            if (!inspected) continue;
            const { Name, State, NetworkSettings } = JSON.parse(inspected);
            Object.keys(NetworkSettings.Networks ?? {}).forEach((name) => joined.add(name));
            engineSaw.push(`${Name} ${State.Status} exit ${State.ExitCode}`);
          }
          described = await ecs.send(new DescribeTasksCommand({ cluster: 'stack', tasks: [taskArn] }));
          task = described.tasks?.[0];
          if (task?.lastStatus === 'STOPPED') break;
          // localcloud is consistent: a task RunTask returned is describable at once (2 s of grace).
          if (!task && Date.now() - started > 2_000) break;
          await sleep(250);
        }
        const container = task?.containers?.[0];
        if (task?.lastStatus !== 'STOPPED' || container?.exitCode !== 0) {
          const gatewayLog = (await compose(['logs', '--no-color', '--tail', '30']).catch(String)).trim();
          throw new Error(
            [
              task?.lastStatus === 'STOPPED'
                ? `the task did not reach the gateway: exit code ${container?.exitCode} (2: wrong AWS_ENDPOINT_URL, ` +
                  `3: no answer through it, 4: a Cloud Map name did not resolve), stoppedReason ${JSON.stringify(task.stoppedReason)}, ` +
                  `container reason ${JSON.stringify(container?.reason)}`
                : `the task is not STOPPED (${task ? '60 s passed' : 'DescribeTasks does not find it'}); ` +
                  `last DescribeTasks: ${JSON.stringify({ tasks: described.tasks, failures: described.failures })}`,
              `the engine saw: ${[...new Set(engineSaw)].join('; ') || 'no container with the task-arn label'}`,
              `gateway log:\n${gatewayLog}`,
            ].join('\n'),
          );
        }
        expect([...joined]).toContain(network);
      }, 120_000);

      it('leaves nothing it started after down, and keeps state only in its volume', async () => {
        if (!composeUp) throw new Error('the stack never came up');
        const started = Date.now();
        await compose(['down']);
        timings[`${label}: down seconds`] = seconds(Date.now() - started);
        expect(await leftovers()).toEqual([]);
        expect(await exists('network', network)).toBe(false);
        // `down` keeps the persistence volume by design; `down -v` removes it.
        expect(await exists('volume', volume)).toBe(true);
        await compose(['down', '-v']);
        expect(await exists('volume', volume)).toBe(false);
        composeUp = false;
      }, 120_000);
    });
  }
});
