import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { requireAwsCliV2 } from '@localcloud/gateway/testing';
import { eventually, freePort, httpRequest, startElb, type ElbTestBed } from './support';
import { startTarget, type TargetServer } from './targets';

const run = promisify(execFile);

const cli = requireAwsCliV2();

(cli ? describe : describe.skip)('aws elbv2 (AWS CLI) against localcloud', () => {
  let bed: ElbTestBed;
  let target: TargetServer;

  beforeAll(async () => {
    bed = await startElb();
    target = await startTarget('cli-target');
  });
  afterAll(async () => {
    await bed.close();
    await target.close();
  });

  const aws = async (...args: string[]) => {
    const { stdout } = await run(cli!, ['--endpoint-url', bed.gateway.url, '--output', 'json', 'elbv2', ...args], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? '/tmp',
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_DEFAULT_REGION: 'us-east-1',
      },
      timeout: 60_000,
    });
    return stdout.trim() ? JSON.parse(stdout) : {};
  };

  it('creates a load balancer, target group, listener and rule, and the listener serves the target', async () => {
    const lb = (await aws('create-load-balancer', '--name', 'cli', '--subnets', 'subnet-1', 'subnet-2'))
      .LoadBalancers[0];
    expect(lb.DNSName).toMatch(/^cli-\d+\.us-east-1\.elb\.localhost$/);
    const tg = (
      await aws(
        'create-target-group',
        '--name',
        'cli',
        '--protocol',
        'HTTP',
        '--port',
        '80',
        '--vpc-id',
        'vpc-1',
        '--target-type',
        'ip',
        '--health-check-path',
        '/health',
        '--health-check-timeout-seconds',
        '2',
        '--health-check-interval-seconds',
        '5',
        '--healthy-threshold-count',
        '2',
      )
    ).TargetGroups[0];
    await aws(
      'register-targets',
      '--target-group-arn',
      tg.TargetGroupArn,
      '--targets',
      `Id=127.0.0.1,Port=${target.port}`,
    );
    const port = await freePort();
    const listener = (
      await aws(
        'create-listener',
        '--load-balancer-arn',
        lb.LoadBalancerArn,
        '--protocol',
        'HTTP',
        '--port',
        String(port),
        '--default-actions',
        'Type=fixed-response,FixedResponseConfig={StatusCode=404,MessageBody=none}',
      )
    ).Listeners[0];
    await aws(
      'create-rule',
      '--listener-arn',
      listener.ListenerArn,
      '--priority',
      '5',
      '--conditions',
      'Field=path-pattern,Values=/app/*',
      '--actions',
      `Type=forward,TargetGroupArn=${tg.TargetGroupArn}`,
    );
    const rules = await aws('describe-rules', '--listener-arn', listener.ListenerArn);
    expect(rules.Rules.map((r: { Priority: string }) => r.Priority)).toEqual(['5', 'default']);
    await eventually(
      () => aws('describe-target-health', '--target-group-arn', tg.TargetGroupArn),
      (h) => h.TargetHealthDescriptions[0].TargetHealth.State === 'healthy',
    );
    expect(await httpRequest(port, '/app/x')).toMatchObject({ status: 200, body: 'cli-target' });
    expect(await httpRequest(port, '/other')).toMatchObject({ status: 404, body: 'none' });
  });

  it('deregister-targets: a target not registered succeeds; an unknown target group fails', async () => {
    const tg = (
      await aws(
        'create-target-group',
        '--name',
        'cli-dereg',
        '--protocol',
        'HTTP',
        '--port',
        '80',
        '--vpc-id',
        'vpc-1',
        '--target-type',
        'ip',
      )
    ).TargetGroups[0];
    await aws('register-targets', '--target-group-arn', tg.TargetGroupArn, '--targets', 'Id=10.0.0.1,Port=9000');
    // Not registered (another port, then an id never registered): exit 0, and the target stays.
    await aws('deregister-targets', '--target-group-arn', tg.TargetGroupArn, '--targets', 'Id=10.0.0.1');
    await aws('deregister-targets', '--target-group-arn', tg.TargetGroupArn, '--targets', 'Id=10.0.0.9,Port=1');
    const health = await aws('describe-target-health', '--target-group-arn', tg.TargetGroupArn);
    expect(health.TargetHealthDescriptions.map((d: { Target: { Port: number } }) => d.Target.Port)).toEqual([9000]);
    await aws('delete-target-group', '--target-group-arn', tg.TargetGroupArn);
    const error = await aws(
      'deregister-targets',
      '--target-group-arn',
      tg.TargetGroupArn,
      '--targets',
      'Id=10.0.0.1,Port=9000',
    ).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(error?.code).toBe(254);
    expect(error?.stderr).toContain(
      'An error occurred (TargetGroupNotFound) when calling the DeregisterTargets operation: One or more target groups not found',
    );
  });

  it('shows ELBv2 errors as the CLI prints them', async () => {
    const error = await aws('describe-load-balancers', '--names', 'nope').then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(error?.code).toBe(254);
    expect(error?.stderr).toContain(
      'An error occurred (LoadBalancerNotFound) when calling the DescribeLoadBalancers operation: One or more load balancers not found',
    );
  });
});
