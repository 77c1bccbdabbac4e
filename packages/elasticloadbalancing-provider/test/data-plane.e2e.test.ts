import http from 'node:http';
import net from 'node:net';
import WebSocket from 'ws';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DeregisterTargetsCommand,
  DescribeTargetHealthCommand,
  ModifyTargetGroupAttributesCommand,
  RegisterTargetsCommand,
  type Action,
  type RuleCondition,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import request from 'supertest';
import { eventually, freePort, httpRequest, startElb, type ElbTestBed } from './support';
import { startTarget, startTcpTarget, type TargetServer } from './targets';

/**
 * The data plane for real: listeners bound on loopback, real HTTP servers in this process as `ip` targets,
 * real health checks (every 5 s, healthy and unhealthy after 2), requests counted at the targets.
 */
describe('ELBv2 data plane', () => {
  let bed: ElbTestBed;
  let port: number;
  const t: Record<string, TargetServer> = {};
  const tg: Record<string, string> = {};
  let lbArn: string;

  async function targetGroup(name: string, targets: TargetServer[], extra: Record<string, unknown> = {}) {
    const created = await bed.elb.send(
      new CreateTargetGroupCommand({
        Name: name,
        Protocol: 'HTTP',
        Port: 80,
        VpcId: 'vpc-1',
        TargetType: 'ip',
        HealthCheckPath: '/health',
        HealthCheckIntervalSeconds: 5,
        HealthCheckTimeoutSeconds: 2,
        HealthyThresholdCount: 2,
        UnhealthyThresholdCount: 2,
        ...extra,
      }),
    );
    tg[name] = created.TargetGroups![0]!.TargetGroupArn!;
    if (targets.length > 0) {
      await bed.elb.send(
        new RegisterTargetsCommand({
          TargetGroupArn: tg[name],
          Targets: targets.map((x) => ({ Id: '127.0.0.1', Port: x.port })),
        }),
      );
    }
  }

  const health = async (name: string) =>
    Object.fromEntries(
      (
        (await bed.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg[name] }))).TargetHealthDescriptions ??
        []
      ).map((d) => [d.Target!.Port!, d.TargetHealth!]),
    );
  const states = async (name: string) =>
    Object.fromEntries(Object.entries(await health(name)).map(([p, h]) => [p, h.State]));

  async function rule(Priority: number, Conditions: RuleCondition[], Actions: Action[]) {
    const listenerArn = listener;
    await bed.elb.send(new CreateRuleCommand({ ListenerArn: listenerArn, Priority, Conditions, Actions }));
  }
  let listener: string;

  /** Which target answered each of n requests. */
  async function spread(n: number, path: string, headers: Record<string, string> = {}) {
    const counts: Record<string, number> = {};
    for (let i = 0; i < n; i++) {
      const reply = await httpRequest(port, path, { headers });
      expect(reply.status).toBe(200);
      counts[reply.body] = (counts[reply.body] ?? 0) + 1;
    }
    return counts;
  }

  beforeAll(async () => {
    bed = await startElb();
    for (const name of ['a1', 'a2', 'bad', 'b1', 'b2', 'w1', 'w2']) t[name] = await startTarget(name);
    t.bad!.healthStatus = 500;
    port = await freePort();
    const lb = await bed.elb.send(new CreateLoadBalancerCommand({ Name: 'front', Subnets: ['s-1', 's-2'] }));
    lbArn = lb.LoadBalancers![0]!.LoadBalancerArn!;
    await targetGroup('a', [t.a1!, t.a2!, t.bad!]);
    await targetGroup('b', [t.b1!, t.b2!]);
    await targetGroup('w1', [t.w1!]);
    await targetGroup('w2', [t.w2!]);
    await targetGroup('empty', []);
    listener = (
      await bed.elb.send(
        new CreateListenerCommand({
          LoadBalancerArn: lbArn,
          Protocol: 'HTTP',
          Port: port,
          DefaultActions: [
            {
              Type: 'fixed-response',
              FixedResponseConfig: { StatusCode: '404', ContentType: 'text/plain', MessageBody: 'no route' },
            },
          ],
        }),
      )
    ).Listeners![0]!.ListenerArn!;
    await rule(10, [{ Field: 'path-pattern', Values: ['/a/*'] }], [{ Type: 'forward', TargetGroupArn: tg.a }]);
    await rule(
      20,
      [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/b/*'] } }],
      [{ Type: 'forward', TargetGroupArn: tg.b }],
    );
    await rule(
      30,
      [
        { Field: 'host-header', HostHeaderConfig: { Values: ['*.example'] } },
        { Field: 'http-request-method', HttpRequestMethodConfig: { Values: ['POST'] } },
      ],
      [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '201', MessageBody: 'posted' } }],
    );
    await rule(
      40,
      [{ Field: 'query-string', QueryStringConfig: { Values: [{ Key: 'go', Value: 'away' }] } }],
      [
        {
          Type: 'redirect',
          RedirectConfig: { StatusCode: 'HTTP_301', Host: 'elsewhere.example', Port: '8080', Query: 'from=#{path}' },
        },
      ],
    );
    await rule(
      50,
      [{ Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Canary', Values: ['y*'] } }],
      [
        {
          Type: 'forward',
          ForwardConfig: {
            TargetGroups: [
              { TargetGroupArn: tg.w1, Weight: 3 },
              { TargetGroupArn: tg.w2, Weight: 1 },
            ],
          },
        },
      ],
    );
    await rule(
      60,
      [{ Field: 'source-ip', SourceIpConfig: { Values: ['10.0.0.0/8'] } }],
      [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '403' } }],
    );
    await rule(
      70,
      [
        { Field: 'source-ip', SourceIpConfig: { Values: ['127.0.0.0/8'] } },
        { Field: 'path-pattern', Values: ['/src'] },
      ],
      [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '200', MessageBody: 'local' } }],
    );
    await rule(80, [{ Field: 'path-pattern', Values: ['/empty/*'] }], [{ Type: 'forward', TargetGroupArn: tg.empty }]);
    // Every target's first checks: healthy after two passes (one now, one 5 s later), `bad` unhealthy after two failures.
    for (const name of ['a', 'b', 'w1', 'w2']) {
      await eventually(
        () => states(name),
        (s) => Object.values(s).filter((x) => x === 'healthy').length === (name === 'a' ? 2 : name === 'b' ? 2 : 1),
      );
    }
    await eventually(
      () => states('a'),
      (s) => s[t.bad!.port] === 'unhealthy',
    );
  }, 60_000);

  afterAll(async () => {
    await bed?.close();
    await Promise.all(Object.values(t).map((x) => x.close()));
  });

  it('routes by path to the right group and spreads requests round robin over its healthy targets only', async () => {
    expect(await spread(4, '/a/page')).toEqual({ a1: 2, a2: 2 });
    expect(await spread(4, '/b/page')).toEqual({ b1: 2, b2: 2 });
    expect(t.bad!.seen).toEqual([]);
    const other = await httpRequest(port, '/other');
    expect(other).toMatchObject({ status: 404, body: 'no route' });
    expect(other.headers['content-type']).toBe('text/plain');
    expect((await health('a'))[t.bad!.port]).toEqual({
      State: 'unhealthy',
      Reason: 'Target.ResponseCodeMismatch',
      Description: 'Health checks failed with these codes: [500]',
    });
  });

  it('adds X-Forwarded-For, -Proto, -Port and X-Amzn-Trace-Id', async () => {
    await httpRequest(port, '/a/headers', { headers: { 'x-forwarded-for': '203.0.113.9' } });
    const seen = [...t.a1!.seen, ...t.a2!.seen].find((r) => r.path === '/a/headers')!;
    expect(seen.headers).toMatchObject({
      'x-forwarded-for': '203.0.113.9, 127.0.0.1',
      'x-forwarded-proto': 'http',
      'x-forwarded-port': String(port),
    });
    expect(seen.headers['x-amzn-trace-id']).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
  });

  it('matches host, method, query string, header and source address conditions', async () => {
    const posted = await httpRequest(port, '/x', { method: 'POST', headers: { host: 'api.example' }, body: '' });
    expect(posted).toMatchObject({ status: 201, body: 'posted' });
    expect((await httpRequest(port, '/x', { headers: { host: 'api.example' } })).status).toBe(404);
    const redirected = await httpRequest(port, '/some/where?go=away', { headers: { host: 'lb.example' } });
    expect(redirected.status).toBe(301);
    expect(redirected.headers.location).toBe('http://elsewhere.example:8080/some/where?from=some/where');
    expect(await spread(8, '/w', { 'x-canary': 'yes' })).toEqual({ w1: 6, w2: 2 });
    expect(await httpRequest(port, '/src')).toMatchObject({ status: 200, body: 'local' });
  });

  it('answers 503 when the group has no healthy target', async () => {
    expect((await httpRequest(port, '/empty/x')).status).toBe(503);
  });

  it('fails open: a group whose targets are all unhealthy gets traffic to all of them, as ELBv2 does', async () => {
    const sick = [await startTarget('s1'), await startTarget('s2')];
    try {
      for (const target of sick) target.healthStatus = 500;
      await targetGroup('open', sick);
      await rule(90, [{ Field: 'path-pattern', Values: ['/open/*'] }], [{ Type: 'forward', TargetGroupArn: tg.open }]);
      await eventually(
        () => states('open'),
        (s) => Object.values(s).length === 2 && Object.values(s).every((x) => x === 'unhealthy'),
      );
      expect(await spread(4, '/open/x')).toEqual({ s1: 2, s2: 2 });
      // One passes again: only it gets traffic.
      sick[0]!.healthStatus = 200;
      await eventually(
        () => states('open'),
        (s) => s[sick[0]!.port] === 'healthy',
      );
      expect(await spread(3, '/open/x')).toEqual({ s1: 3 });

      // Minimum healthy targets: below the count (or the percentage), traffic goes to all targets again.
      const minimum = (Key: string, Value: string) =>
        bed.elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: tg.open, Attributes: [{ Key, Value }] }));
      const COUNT = 'target_group_health.unhealthy_state_routing.minimum_healthy_targets.count';
      const PERCENTAGE = 'target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage';
      await minimum(COUNT, '2');
      expect(await spread(4, '/open/x')).toEqual({ s1: 2, s2: 2 });
      await minimum(COUNT, '1');
      expect(await spread(3, '/open/x')).toEqual({ s1: 3 });
      await minimum(PERCENTAGE, '51');
      expect(await spread(4, '/open/x')).toEqual({ s1: 2, s2: 2 });
      await minimum(PERCENTAGE, '50');
      expect(await spread(3, '/open/x')).toEqual({ s1: 3 });
    } finally {
      await Promise.all(sick.map((x) => x.close()));
    }
  }, 60_000);

  it('streams bodies, keeps client connections alive and proxies WebSocket upgrades', async () => {
    const body = Buffer.alloc(2 * 1024 * 1024, 'x');
    const echoed = await httpRequest(port, '/a/echo', { method: 'POST', body });
    expect(echoed.status).toBe(200);
    expect(echoed.body.length).toBe(body.length);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await httpRequest(port, '/a/1', { agent });
      const second = await httpRequest(port, '/a/2', { agent });
      expect([first.reusedSocket, second.reusedSocket]).toEqual([false, true]);
    } finally {
      agent.destroy();
    }
    const socket = new WebSocket(`ws://127.0.0.1:${port}/a/ws`);
    const reply = await new Promise<string>((resolve, reject) => {
      socket.once('open', () => socket.send('hi'));
      socket.once('message', (data) => resolve(String(data)));
      socket.once('error', reject);
    });
    socket.close();
    expect(['a1:hi', 'a2:hi']).toContain(reply);
  });

  it('takes a target that fails its checks out of rotation and back when it passes again', async () => {
    t.a2!.healthStatus = 503;
    await eventually(
      () => states('a'),
      (s) => s[t.a2!.port] === 'unhealthy',
    );
    expect(await spread(4, '/a/x')).toEqual({ a1: 4 });
    t.a2!.healthStatus = 200;
    await eventually(
      () => states('a'),
      (s) => s[t.a2!.port] === 'healthy',
    );
    expect(await spread(2, '/a/x')).toEqual({ a1: 1, a2: 1 });
  }, 60_000);

  it('drains a deregistered target for the deregistration delay, then forgets it', async () => {
    await bed.elb.send(
      new ModifyTargetGroupAttributesCommand({
        TargetGroupArn: tg.b,
        Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '2' }],
      }),
    );
    await bed.elb.send(
      new DeregisterTargetsCommand({ TargetGroupArn: tg.b, Targets: [{ Id: '127.0.0.1', Port: t.b2!.port }] }),
    );
    expect((await states('b'))[t.b2!.port]).toBe('draining');
    expect(await spread(3, '/b/x')).toEqual({ b1: 3 });
    await eventually(
      () => states('b'),
      (s) => !(t.b2!.port in s),
    );
    expect(Object.keys(await states('b'))).toEqual([String(t.b1!.port)]);
  });

  it('serves on a port the system picks when the listener port is taken, and reports it', async () => {
    const blocker = net.createServer();
    const taken = await freePort();
    await new Promise<void>((resolve) => blocker.listen(taken, '127.0.0.1', resolve));
    try {
      const created = await bed.elb.send(
        new CreateListenerCommand({
          LoadBalancerArn: lbArn,
          Protocol: 'HTTP',
          Port: taken,
          DefaultActions: [
            { Type: 'fixed-response', FixedResponseConfig: { StatusCode: '200', MessageBody: 'moved' } },
          ],
        }),
      );
      const arn = created.Listeners![0]!.ListenerArn!;
      expect(created.Listeners![0]!.Port).toBe(taken);
      const report = await request(bed.gateway.url).get('/_localcloud/health');
      const served = (
        report.body.services.elasticloadbalancing.listeners as { listenerArn: string; port: number; address: string }[]
      ).find((l) => l.listenerArn === arn)!;
      expect(served.port).toBe(taken);
      const boundPort = Number(served.address.split(':')[1]);
      expect(boundPort).not.toBe(taken);
      expect(await httpRequest(boundPort, '/')).toMatchObject({ status: 200, body: 'moved' });
    } finally {
      blocker.close();
    }
  });

  it('serves an NLB TCP listener to targets that pass TCP health checks', async () => {
    const echo = await startTcpTarget('n1');
    try {
      const nlb = await bed.elb.send(new CreateLoadBalancerCommand({ Name: 'tcp', Type: 'network', Subnets: ['s-1'] }));
      await targetGroup('tcp', [], {
        Protocol: 'TCP',
        HealthCheckPath: undefined,
        HealthCheckProtocol: 'TCP',
        HealthCheckTimeoutSeconds: 2,
      });
      await bed.elb.send(
        new RegisterTargetsCommand({ TargetGroupArn: tg.tcp, Targets: [{ Id: '127.0.0.1', Port: echo.port }] }),
      );
      const nlbPort = await freePort();
      await bed.elb.send(
        new CreateListenerCommand({
          LoadBalancerArn: nlb.LoadBalancers![0]!.LoadBalancerArn,
          Protocol: 'TCP',
          Port: nlbPort,
          DefaultActions: [{ Type: 'forward', TargetGroupArn: tg.tcp }],
        }),
      );
      await eventually(
        () => states('tcp'),
        (s) => s[echo.port] === 'healthy',
      );
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = net.connect(nlbPort, '127.0.0.1', () => socket.write('ping'));
        socket.once('data', (data) => {
          resolve(String(data));
          socket.destroy();
        });
        socket.once('error', reject);
      });
      expect(answer).toBe('n1:ping');
    } finally {
      await echo.close();
    }
  }, 30_000);

  it('fails open on an NLB too: a connection reaches a target whose health checks all fail', async () => {
    const echo = await startTcpTarget('n2');
    const closedPort = await freePort();
    try {
      const nlb = await bed.elb.send(
        new CreateLoadBalancerCommand({ Name: 'tcp-open', Type: 'network', Subnets: ['s-1'] }),
      );
      // Health checks go to a port nothing listens on: the target is unhealthy, its traffic port serves.
      await targetGroup('tcp-open', [], {
        Protocol: 'TCP',
        HealthCheckPath: undefined,
        HealthCheckProtocol: 'TCP',
        HealthCheckPort: String(closedPort),
        HealthCheckTimeoutSeconds: 2,
      });
      await bed.elb.send(
        new RegisterTargetsCommand({ TargetGroupArn: tg['tcp-open'], Targets: [{ Id: '127.0.0.1', Port: echo.port }] }),
      );
      const nlbPort = await freePort();
      await bed.elb.send(
        new CreateListenerCommand({
          LoadBalancerArn: nlb.LoadBalancers![0]!.LoadBalancerArn,
          Protocol: 'TCP',
          Port: nlbPort,
          DefaultActions: [{ Type: 'forward', TargetGroupArn: tg['tcp-open'] }],
        }),
      );
      await eventually(
        () => states('tcp-open'),
        (s) => s[echo.port] === 'unhealthy',
      );
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = net.connect(nlbPort, '127.0.0.1', () => socket.write('ping'));
        socket.once('data', (data) => {
          resolve(String(data));
          socket.destroy();
        });
        socket.once('error', reject);
      });
      expect(answer).toBe('n2:ping');
    } finally {
      await echo.close();
    }
  }, 60_000);
});
