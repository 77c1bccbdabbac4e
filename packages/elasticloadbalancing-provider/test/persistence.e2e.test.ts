import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  DescribeTargetHealthCommand,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { eventually, freePort, httpRequest, startElb, type ElbTestBed } from './support';
import { startTarget, type TargetServer } from './targets';

describe('ELBv2 state across a restart (PERSISTENCE=1)', () => {
  let dataDir: string;
  let target: TargetServer;
  let bed: ElbTestBed | undefined;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'elb-persist-'));
    target = await startTarget('t1');
  });
  afterAll(async () => {
    await bed?.close();
    await target.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const healthyAt = (elb: ElbTestBed, tgArn: string) =>
    eventually(
      () => elb.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tgArn })),
      (h) => h.TargetHealthDescriptions?.[0]?.TargetHealth?.State === 'healthy',
    );

  it('keeps load balancers, listeners, rules, targets and tags, and serves the listeners again', async () => {
    const env = { PERSISTENCE: '1', DATA_DIR: dataDir };
    bed = await startElb(env, '123456789012');
    const port = await freePort();
    const lb = (
      await bed.elb.send(
        new CreateLoadBalancerCommand({ Name: 'kept', Subnets: ['s-1'], Tags: [{ Key: 'k', Value: 'v' }] }),
      )
    ).LoadBalancers![0]!;
    const tg = (
      await bed.elb.send(
        new CreateTargetGroupCommand({
          Name: 'kept',
          Protocol: 'HTTP',
          Port: 80,
          VpcId: 'vpc-1',
          TargetType: 'ip',
          HealthCheckIntervalSeconds: 5,
          HealthCheckTimeoutSeconds: 2,
          HealthyThresholdCount: 2,
        }),
      )
    ).TargetGroups![0]!;
    await bed.elb.send(
      new RegisterTargetsCommand({
        TargetGroupArn: tg.TargetGroupArn,
        Targets: [{ Id: '127.0.0.1', Port: target.port }],
      }),
    );
    await bed.elb.send(
      new CreateListenerCommand({
        LoadBalancerArn: lb.LoadBalancerArn,
        Protocol: 'HTTP',
        Port: port,
        DefaultActions: [{ Type: 'forward', TargetGroupArn: tg.TargetGroupArn }],
      }),
    );
    await healthyAt(bed, tg.TargetGroupArn!);
    expect(await httpRequest(port, '/')).toMatchObject({ status: 200, body: 't1' });
    await bed.close();
    bed = undefined;
    await expect(httpRequest(port, '/')).rejects.toThrow(/ECONNREFUSED/);

    bed = await startElb(env, '123456789012');
    const lbs = await bed.elb.send(new DescribeLoadBalancersCommand({}));
    expect(lbs.LoadBalancers!.map((l) => [l.LoadBalancerArn, l.DNSName])).toEqual([[lb.LoadBalancerArn, lb.DNSName]]);
    const listeners = await bed.elb.send(new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn }));
    expect(listeners.Listeners!.map((l) => l.Port)).toEqual([port]);
    const rules = await bed.elb.send(new DescribeRulesCommand({ ListenerArn: listeners.Listeners![0]!.ListenerArn }));
    expect(rules.Rules!.map((r) => r.IsDefault)).toEqual([true]);
    const tags = await bed.elb.send(new DescribeTagsCommand({ ResourceArns: [lb.LoadBalancerArn!] }));
    expect(tags.TagDescriptions![0]!.Tags).toEqual([{ Key: 'k', Value: 'v' }]);
    // Health is checked afresh after a restart; the listener is back on its port.
    await healthyAt(bed, tg.TargetGroupArn!);
    expect(await httpRequest(port, '/')).toMatchObject({ status: 200, body: 't1' });
  }, 60_000);
});
