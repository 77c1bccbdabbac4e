import {
  AddTagsCommand,
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DeleteListenerCommand,
  DeleteLoadBalancerCommand,
  DeleteRuleCommand,
  DeleteTargetGroupCommand,
  DeregisterTargetsCommand,
  DescribeAccountLimitsCommand,
  DescribeListenersCommand,
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ModifyLoadBalancerAttributesCommand,
  ModifyRuleCommand,
  ModifyTargetGroupAttributesCommand,
  RegisterTargetsCommand,
  RemoveTagsCommand,
  SetRulePrioritiesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import request from 'supertest';
import { clientFor, failure, freePort, startElb, type ElbTestBed } from './support';
import { QUOTED_CHARS } from '@localcloud/gateway';

describe('ELBv2 control plane through the AWS SDK', () => {
  let bed: ElbTestBed;
  beforeAll(async () => {
    bed = await startElb();
  });
  afterAll(() => bed.close());

  const createLb = async (Name: string, extra: Record<string, unknown> = {}) =>
    (await bed.elb.send(new CreateLoadBalancerCommand({ Name, Subnets: ['subnet-a', 'subnet-b'], ...extra })))
      .LoadBalancers![0]!;
  const createTg = async (Name: string, extra: Record<string, unknown> = {}) =>
    (
      await bed.elb.send(
        new CreateTargetGroupCommand({ Name, Protocol: 'HTTP', Port: 80, VpcId: 'vpc-1', TargetType: 'ip', ...extra }),
      )
    ).TargetGroups![0]!;

  it('creates, describes and deletes an application load balancer', async () => {
    const lb = await createLb('web', { SecurityGroups: ['sg-1'], Tags: [{ Key: 'team', Value: 'a' }] });
    expect(lb).toMatchObject({
      LoadBalancerName: 'web',
      Type: 'application',
      Scheme: 'internet-facing',
      State: { Code: 'active' },
      SecurityGroups: ['sg-1'],
      IpAddressType: 'ipv4',
      AvailabilityZones: [
        { ZoneName: 'us-east-1a', SubnetId: 'subnet-a' },
        { ZoneName: 'us-east-1b', SubnetId: 'subnet-b' },
      ],
    });
    expect(lb.LoadBalancerArn).toMatch(
      /^arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer\/app\/web\/[0-9a-f]{16}$/,
    );
    expect(lb.DNSName).toMatch(/^web-\d+\.us-east-1\.elb\.localhost$/);
    expect(lb.CreatedTime).toBeInstanceOf(Date);
    // Idempotent: the same name and settings answer the same load balancer.
    expect((await createLb('web')).LoadBalancerArn).toBe(lb.LoadBalancerArn);
    const byName = await bed.elb.send(new DescribeLoadBalancersCommand({ Names: ['web'] }));
    expect(byName.LoadBalancers!.map((l) => l.LoadBalancerArn)).toEqual([lb.LoadBalancerArn]);
    const tags = await bed.elb.send(new DescribeTagsCommand({ ResourceArns: [lb.LoadBalancerArn!] }));
    expect(tags.TagDescriptions).toEqual([{ ResourceArn: lb.LoadBalancerArn, Tags: [{ Key: 'team', Value: 'a' }] }]);
    await bed.elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: lb.LoadBalancerArn }));
    const gone = await failure(
      bed.elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [lb.LoadBalancerArn!] })),
    );
    expect(gone).toMatchObject({ name: 'LoadBalancerNotFoundException', $metadata: { httpStatusCode: 400 } });
    expect(gone.message).toBe('One or more load balancers not found');
    // Deleting again succeeds, as AWS documents.
    await bed.elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: lb.LoadBalancerArn }));
  });

  it('answers ELBv2 errors: names, duplicates, validation, unknown resources', async () => {
    await createLb('dup');
    expect(await failure(createLb('dup', { Scheme: 'internal' }))).toMatchObject({
      name: 'DuplicateLoadBalancerNameException',
    });
    expect(await failure(createLb('-bad'))).toMatchObject({
      name: 'ValidationError',
      message: expect.stringContaining("cannot begin or end with '-'"),
    });
    const missing = await failure(bed.elb.send(new CreateLoadBalancerCommand({} as never)));
    expect(missing).toMatchObject({ name: 'ValidationError', $metadata: { httpStatusCode: 400 } });
    expect(missing.message).toContain("Value null at 'Name' failed to satisfy constraint: Member must not be null");
    const badEnum = await failure(createLb('x', { Scheme: 'public' }));
    expect(badEnum.message).toContain('Member must satisfy enum value set: [internal, internet-facing]');
    expect(await failure(bed.elb.send(new DescribeTargetGroupsCommand({ Names: ['nope'] })))).toMatchObject({
      name: 'TargetGroupNotFoundException',
    });
    expect(
      await failure(
        bed.elb.send(
          new DescribeListenersCommand({
            ListenerArns: ['arn:aws:elasticloadbalancing:us-east-1:000000000000:listener/app/x/1/2'],
          }),
        ),
      ),
    ).toMatchObject({ name: 'ListenerNotFoundException' });
    expect(await failure(bed.elb.send(new DescribeListenersCommand({})))).toMatchObject({ name: 'ValidationError' });
    // An operation without a handler says so honestly.
    expect(await failure(bed.elb.send(new DescribeAccountLimitsCommand({})))).toMatchObject({
      name: 'NotImplementedException',
      $metadata: { httpStatusCode: 501 },
    });
  });

  it('keeps target groups with health checks and attributes', async () => {
    const tg = await createTg('api', {
      HealthCheckPath: '/health',
      HealthCheckIntervalSeconds: 10,
      HealthyThresholdCount: 3,
      Matcher: { HttpCode: '200-299' },
    });
    expect(tg).toMatchObject({
      TargetGroupName: 'api',
      Protocol: 'HTTP',
      Port: 80,
      VpcId: 'vpc-1',
      TargetType: 'ip',
      HealthCheckProtocol: 'HTTP',
      HealthCheckPort: 'traffic-port',
      HealthCheckPath: '/health',
      HealthCheckIntervalSeconds: 10,
      HealthCheckTimeoutSeconds: 5,
      HealthyThresholdCount: 3,
      UnhealthyThresholdCount: 2,
      Matcher: { HttpCode: '200-299' },
      LoadBalancerArns: [],
      ProtocolVersion: 'HTTP1',
    });
    expect(tg.TargetGroupArn).toMatch(/:targetgroup\/api\/[0-9a-f]{16}$/);
    const attributes = await bed.elb.send(
      new ModifyTargetGroupAttributesCommand({
        TargetGroupArn: tg.TargetGroupArn,
        Attributes: [
          { Key: 'deregistration_delay.timeout_seconds', Value: '5' },
          { Key: 'stickiness.enabled', Value: 'true' },
        ],
      }),
    );
    expect(attributes.Attributes).toEqual(
      expect.arrayContaining([
        { Key: 'deregistration_delay.timeout_seconds', Value: '5' },
        { Key: 'stickiness.enabled', Value: 'true' },
        { Key: 'stickiness.type', Value: 'lb_cookie' },
      ]),
    );
    const read = await bed.elb.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: tg.TargetGroupArn }));
    expect(read.Attributes).toEqual(attributes.Attributes);
    // Unhealthy state routing: ELBv2's defaults, then only values it accepts.
    const COUNT = 'target_group_health.unhealthy_state_routing.minimum_healthy_targets.count';
    const PERCENTAGE = 'target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage';
    expect(read.Attributes).toEqual(
      expect.arrayContaining([
        { Key: COUNT, Value: '1' },
        { Key: PERCENTAGE, Value: 'off' },
      ]),
    );
    const routing = await bed.elb.send(
      new ModifyTargetGroupAttributesCommand({
        TargetGroupArn: tg.TargetGroupArn,
        Attributes: [
          { Key: COUNT, Value: '2' },
          { Key: PERCENTAGE, Value: '50' },
        ],
      }),
    );
    expect(routing.Attributes).toEqual(
      expect.arrayContaining([
        { Key: COUNT, Value: '2' },
        { Key: PERCENTAGE, Value: '50' },
      ]),
    );
    for (const [Key, Value] of [
      [COUNT, '0'],
      [PERCENTAGE, '101'],
    ] as const) {
      expect(
        await failure(
          bed.elb.send(
            new ModifyTargetGroupAttributesCommand({ TargetGroupArn: tg.TargetGroupArn, Attributes: [{ Key, Value }] }),
          ),
        ),
      ).toMatchObject({ name: 'ValidationError', $metadata: { httpStatusCode: 400 } });
    }
    const unknownKey = await failure(
      bed.elb.send(
        new ModifyTargetGroupAttributesCommand({
          TargetGroupArn: tg.TargetGroupArn,
          Attributes: [{ Key: 'nope', Value: '1' }],
        }),
      ),
    );
    expect(unknownKey).toMatchObject({
      name: 'ValidationError',
      message: "Target group attribute key 'nope' is not recognized",
    });
    expect(await failure(createTg('novpc', { VpcId: undefined }))).toMatchObject({ name: 'ValidationError' });
    expect(await failure(createTg('api', { Port: 81 }))).toMatchObject({ name: 'DuplicateTargetGroupNameException' });
  });

  it('links listeners and rules to target groups, in priority order, and refuses what ELBv2 refuses', async () => {
    const lb = await createLb('rules');
    const a = await createTg('rules-a');
    const b = await createTg('rules-b');
    const port = await freePort();
    const listener = (
      await bed.elb.send(
        new CreateListenerCommand({
          LoadBalancerArn: lb.LoadBalancerArn,
          Protocol: 'HTTP',
          Port: port,
          DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404', MessageBody: 'none' } }],
        }),
      )
    ).Listeners![0]!;
    expect(listener.ListenerArn).toMatch(/:listener\/app\/rules\/[0-9a-f]{16}\/[0-9a-f]{16}$/);
    expect(
      await failure(
        bed.elb.send(
          new CreateListenerCommand({
            LoadBalancerArn: lb.LoadBalancerArn,
            Protocol: 'HTTPS',
            Port: port + 1,
            DefaultActions: [],
          }),
        ),
      ),
    ).toMatchObject({ name: 'ValidationError' });
    const rule = async (Priority: number, path: string, TargetGroupArn: string) =>
      (
        await bed.elb.send(
          new CreateRuleCommand({
            ListenerArn: listener.ListenerArn,
            Priority,
            Conditions: [{ Field: 'path-pattern', Values: [path] }],
            Actions: [{ Type: 'forward', TargetGroupArn }],
          }),
        )
      ).Rules![0]!;
    const second = await rule(20, '/b/*', b.TargetGroupArn!);
    const first = await rule(10, '/a/*', a.TargetGroupArn!);
    expect(first).toMatchObject({
      Priority: '10',
      IsDefault: false,
      Conditions: [{ Field: 'path-pattern', Values: ['/a/*'], PathPatternConfig: { Values: ['/a/*'] } }],
      Actions: [
        {
          Type: 'forward',
          TargetGroupArn: a.TargetGroupArn,
          Order: 1,
          ForwardConfig: { TargetGroups: [{ TargetGroupArn: a.TargetGroupArn, Weight: 1 }] },
        },
      ],
    });
    const rules = await bed.elb.send(new DescribeRulesCommand({ ListenerArn: listener.ListenerArn }));
    expect(rules.Rules!.map((r) => r.Priority)).toEqual(['10', '20', 'default']);
    expect(await failure(rule(10, '/c', a.TargetGroupArn!))).toMatchObject({
      name: 'PriorityInUseException',
      message: "Priority '10' is currently in use",
    });
    await bed.elb.send(
      new SetRulePrioritiesCommand({
        RulePriorities: [
          { RuleArn: first.RuleArn, Priority: 30 },
          { RuleArn: second.RuleArn, Priority: 5 },
        ],
      }),
    );
    await bed.elb.send(
      new ModifyRuleCommand({ RuleArn: first.RuleArn, Conditions: [{ Field: 'host-header', Values: ['a.example'] }] }),
    );
    const reordered = await bed.elb.send(new DescribeRulesCommand({ ListenerArn: listener.ListenerArn }));
    expect(reordered.Rules!.map((r) => [r.Priority, r.Conditions?.[0]?.Field])).toEqual([
      ['5', 'path-pattern'],
      ['30', 'host-header'],
      ['default', undefined],
    ]);
    const groups = await bed.elb.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: lb.LoadBalancerArn }));
    expect(groups.TargetGroups!.map((g) => g.TargetGroupName).sort()).toEqual(['rules-a', 'rules-b']);
    expect(groups.TargetGroups![0]!.LoadBalancerArns).toEqual([lb.LoadBalancerArn]);
    // A target group in use cannot be deleted, nor forwarded to from another load balancer.
    expect(
      await failure(bed.elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: a.TargetGroupArn }))),
    ).toMatchObject({
      name: 'ResourceInUseException',
    });
    const other = await createLb('other');
    expect(
      await failure(
        bed.elb.send(
          new CreateListenerCommand({
            LoadBalancerArn: other.LoadBalancerArn,
            Protocol: 'HTTP',
            Port: await freePort(),
            DefaultActions: [{ Type: 'forward', TargetGroupArn: a.TargetGroupArn }],
          }),
        ),
      ),
    ).toMatchObject({ name: 'TargetGroupAssociationLimitException' });
    expect(
      await failure(
        bed.elb.send(
          new CreateListenerCommand({
            LoadBalancerArn: lb.LoadBalancerArn,
            Protocol: 'HTTP',
            Port: port,
            DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '200' } }],
          }),
        ),
      ),
    ).toMatchObject({ name: 'DuplicateListenerException' });
    const defaultRule = reordered.Rules!.find((r) => r.IsDefault)!;
    expect(await failure(bed.elb.send(new DeleteRuleCommand({ RuleArn: defaultRule.RuleArn })))).toMatchObject({
      name: 'OperationNotPermittedException',
    });
    await bed.elb.send(new DeleteRuleCommand({ RuleArn: first.RuleArn }));
    await bed.elb.send(new DeleteListenerCommand({ ListenerArn: listener.ListenerArn }));
    expect(await failure(bed.elb.send(new DescribeRulesCommand({ RuleArns: [second.RuleArn!] })))).toMatchObject({
      name: 'RuleNotFoundException',
    });
    await bed.elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: a.TargetGroupArn }));
  });

  it('registers targets: unused until a listener forwards to the group, draining after deregistration', async () => {
    const lb = await createLb('targets');
    const tg = await createTg('targets', { HealthCheckIntervalSeconds: 300, HealthCheckTimeoutSeconds: 2 });
    await bed.elb.send(
      new RegisterTargetsCommand({
        TargetGroupArn: tg.TargetGroupArn,
        Targets: [{ Id: '127.0.0.1', Port: await freePort() }],
      }),
    );
    const unused = await bed.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn }));
    expect(unused.TargetHealthDescriptions![0]!.TargetHealth).toEqual({
      State: 'unused',
      Reason: 'Target.NotInUse',
      Description: 'Target group is not configured to receive traffic from the load balancer',
    });
    expect(
      await failure(
        bed.elb.send(new RegisterTargetsCommand({ TargetGroupArn: tg.TargetGroupArn, Targets: [{ Id: 'i-123' }] })),
      ),
    ).toMatchObject({ name: 'InvalidTargetException', message: "The IP address 'i-123' is not a valid IPv4 address" });
    const notRegistered = await bed.elb.send(
      new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn, Targets: [{ Id: '10.0.0.9', Port: 80 }] }),
    );
    expect(notRegistered.TargetHealthDescriptions![0]!.TargetHealth).toMatchObject({
      State: 'unused',
      Reason: 'Target.NotRegistered',
    });
    await bed.elb.send(
      new CreateListenerCommand({
        LoadBalancerArn: lb.LoadBalancerArn,
        Protocol: 'HTTP',
        Port: await freePort(),
        DefaultActions: [{ Type: 'forward', TargetGroupArn: tg.TargetGroupArn }],
      }),
    );
    const target = (await bed.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn })))
      .TargetHealthDescriptions![0]!;
    expect(target.TargetHealth!.State).toBe('initial');
    await bed.elb.send(new DeregisterTargetsCommand({ TargetGroupArn: tg.TargetGroupArn, Targets: [target.Target!] }));
    const draining = await bed.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn }));
    expect(draining.TargetHealthDescriptions![0]!.TargetHealth).toEqual({
      State: 'draining',
      Reason: 'Target.DeregistrationInProgress',
      Description: 'Target deregistration is in progress',
    });
  });

  it('deregisters as the API reference says: a target that does not exist succeeds and changes nothing', async () => {
    const tg = await createTg('dereg', { Port: 8080 });
    const arn = tg.TargetGroupArn!;
    await bed.elb.send(
      new RegisterTargetsCommand({
        TargetGroupArn: arn,
        Targets: [{ Id: '10.0.0.1', Port: 9000 }, { Id: '10.0.0.2' }],
      }),
    );
    const registered = async () =>
      (await bed.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }))).TargetHealthDescriptions!.map(
        (d) => `${d.Target!.Id}:${d.Target!.Port}`,
      );
    expect(await registered()).toEqual(['10.0.0.1:9000', '10.0.0.2:8080']);
    // Never registered: success, nothing removed.
    await bed.elb.send(new DeregisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: '10.9.9.9', Port: 1 }] }));
    // Registered on another port (without a port, the group's 8080 is meant): success, the target stays.
    await bed.elb.send(
      new DeregisterTargetsCommand({
        TargetGroupArn: arn,
        Targets: [{ Id: '10.0.0.1' }, { Id: '10.0.0.1', Port: 9001 }, { Id: '10.0.0.2', Port: 9000 }],
      }),
    );
    expect(await registered()).toEqual(['10.0.0.1:9000', '10.0.0.2:8080']);
    // A mix: the registered ones go (at once, the group is in no listener), the rest is skipped.
    await bed.elb.send(
      new DeregisterTargetsCommand({
        TargetGroupArn: arn,
        Targets: [{ Id: '10.0.0.1', Port: 9000 }, { Id: '10.7.7.7' }, { Id: '10.0.0.2' }],
      }),
    );
    expect(await registered()).toEqual([]);
    // The same again: nothing is registered, still success.
    await bed.elb.send(new DeregisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: '10.0.0.2' }] }));
    // An unknown target group is an error, with AWS's code and message.
    await bed.elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: arn }));
    const unknown = await failure(
      bed.elb.send(new DeregisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: '10.0.0.1', Port: 9000 }] })),
    );
    expect(unknown).toMatchObject({
      name: 'TargetGroupNotFoundException',
      message: 'One or more target groups not found',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('keeps load balancer attributes and tags; protects against deletion when asked', async () => {
    const lb = await createLb('attrs');
    const before = await bed.elb.send(
      new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: lb.LoadBalancerArn }),
    );
    expect(before.Attributes).toEqual(expect.arrayContaining([{ Key: 'idle_timeout.timeout_seconds', Value: '60' }]));
    await bed.elb.send(
      new ModifyLoadBalancerAttributesCommand({
        LoadBalancerArn: lb.LoadBalancerArn,
        Attributes: [{ Key: 'deletion_protection.enabled', Value: 'true' }],
      }),
    );
    expect(
      await failure(bed.elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: lb.LoadBalancerArn }))),
    ).toMatchObject({
      name: 'OperationNotPermittedException',
    });
    await bed.elb.send(
      new AddTagsCommand({
        ResourceArns: [lb.LoadBalancerArn!],
        Tags: [
          { Key: 'a', Value: '1' },
          { Key: 'b', Value: '2' },
        ],
      }),
    );
    await bed.elb.send(new RemoveTagsCommand({ ResourceArns: [lb.LoadBalancerArn!], TagKeys: ['a'] }));
    const tags = await bed.elb.send(new DescribeTagsCommand({ ResourceArns: [lb.LoadBalancerArn!] }));
    expect(tags.TagDescriptions![0]!.Tags).toEqual([{ Key: 'b', Value: '2' }]);
    expect(
      await failure(
        bed.elb.send(new AddTagsCommand({ ResourceArns: [lb.LoadBalancerArn!], Tags: [{ Key: 'a' }, { Key: 'a' }] })),
      ),
    ).toMatchObject({ name: 'DuplicateTagKeysException' });
  });

  it('keeps each account and region apart', async () => {
    const lb = await createLb('mine');
    const other = clientFor(bed.gateway.url, '111122223333');
    const west = clientFor(bed.gateway.url, undefined, 'eu-west-1');
    try {
      expect((await other.send(new DescribeLoadBalancersCommand({}))).LoadBalancers).toEqual([]);
      expect((await west.send(new DescribeLoadBalancersCommand({}))).LoadBalancers).toEqual([]);
      expect(
        await failure(other.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [lb.LoadBalancerArn!] }))),
      ).toMatchObject({
        name: 'LoadBalancerNotFoundException',
      });
    } finally {
      other.destroy();
      west.destroy();
    }
  });

  it('quotes an over-long name, marker, ARN, health check port or target by its start', async () => {
    const long = (start: string) => start + 'x'.repeat(70_000);
    const quoted = (value: string) => `${value.slice(0, 100)}…`;
    /** A marker or an ARN: its first QUOTED_CHARS (every real one whole), then `…`. */
    const quotedName = (value: string) => `${value.slice(0, QUOTED_CHARS)}…`;
    const refusal = async (sent: Promise<unknown>, name: string, message: string) => {
      const error = await failure(sent);
      expect(error).toMatchObject({ name, message });
      expect(error.message.length).toBeLessThan(700);
    };
    const name = long('lb');
    await refusal(
      bed.elb.send(new CreateLoadBalancerCommand({ Name: name, Subnets: ['subnet-a'] })),
      'ValidationError',
      `Load balancer name '${quoted(name)}' cannot be longer than '32' characters`,
    );
    const marker = long('m');
    await refusal(
      bed.elb.send(new DescribeLoadBalancersCommand({ Marker: marker })),
      'ValidationError',
      `The marker '${quotedName(marker)}' is not valid`,
    );
    const arn = long('arn:aws:elasticloadbalancing:us-east-1:000000000000:nothing/');
    await refusal(
      bed.elb.send(new DescribeTagsCommand({ ResourceArns: [arn] })),
      'ValidationError',
      `'${quotedName(arn)}' is not a valid Elastic Load Balancing resource ARN`,
    );
    const port = long('8');
    await refusal(
      createTg('longport', { HealthCheckPort: port }),
      'ValidationError',
      `Health check port '${quoted(port)}' must be 'traffic-port' or a port number`,
    );
    const tg = await createTg('longtargets');
    const id = long('10.0.0.');
    await refusal(
      bed.elb.send(new RegisterTargetsCommand({ TargetGroupArn: tg.TargetGroupArn, Targets: [{ Id: id, Port: 80 }] })),
      'InvalidTargetException',
      `The IP address '${quoted(id)}' is not a valid IPv4 address`,
    );
  });
});

describe('a listener that cannot listen', () => {
  it('is created as on AWS, logged and reported by the health endpoint, not answered with a 500', async () => {
    // 192.0.2.1 (TEST-NET-1) is no address of this machine: binding it fails with EADDRNOTAVAIL.
    const bed = await startElb({ ELB_LISTEN_HOST: '192.0.2.1' });
    try {
      const lb = (await bed.elb.send(new CreateLoadBalancerCommand({ Name: 'nowhere', Subnets: ['s-1'] })))
        .LoadBalancers![0]!;
      const listener = (
        await bed.elb.send(
          new CreateListenerCommand({
            LoadBalancerArn: lb.LoadBalancerArn,
            Protocol: 'HTTP',
            Port: await freePort(),
            DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '200' } }],
          }),
        )
      ).Listeners![0]!;
      const report = await request(bed.gateway.url).get('/_localcloud/health');
      expect(report.body.services.elasticloadbalancing).toMatchObject({
        status: 'degraded',
        listeners: [],
        unservedListeners: [{ listenerArn: listener.ListenerArn, error: expect.stringContaining('EADDRNOTAVAIL') }],
      });
      await bed.elb.send(new DeleteListenerCommand({ ListenerArn: listener.ListenerArn }));
      const after = await request(bed.gateway.url).get('/_localcloud/health');
      expect(after.body.services.elasticloadbalancing.status).toBe('running');
    } finally {
      await bed.close();
    }
  });
});
