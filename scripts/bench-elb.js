// ELBv2 data plane: requests/s and latency (p50, p99) through an ALB listener beside the same requests sent
// straight to the upstream, in one run, for two upstreams: a real busybox httpd container started by ECS
// (bridge, dynamic host port; it closes every connection and listens with a backlog of 9) and a Node http
// server with keep-alive in its own process (what the proxy itself costs). The ALB forwards to each as an
// `ip` target 127.0.0.1:<port>. A closed loop of CLIENTS keep-alive connections for DURATION seconds each
// way; the load generator shares the gateway's process (and its 2 cores), so the ratios matter more than
// the absolute numbers. `over 1 s` counts requests that took longer than a second: TCP's SYN retransmission
// after a full listen queue (docs/benchmarks.md).
const http = require('node:http');
const { spawn } = require('node:child_process');
const ecsSdk = require('@aws-sdk/client-ecs');
const elbSdk = require('@aws-sdk/client-elastic-load-balancing-v2');
const { IMAGE, startBenchGateway } = require('./bench-support');

const CLIENTS = Number(process.env.BENCH_ELB_CLIENTS ?? 16);
const DURATION_S = Number(process.env.BENCH_ELB_SECONDS ?? 5);

function get(agent, port) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/index.html', agent }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
    });
    req.on('error', reject);
  });
}

/** Closed-loop load: each client sends its next request when the last is answered. */
async function load(port) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
  const latencies = [];
  let failed = 0;
  const end = Date.now() + DURATION_S * 1000;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (Date.now() < end) {
        const start = process.hrtime.bigint();
        try {
          await get(agent, port);
          latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
        } catch {
          failed += 1;
        }
      }
    }),
  );
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))].toFixed(2);
  const slow = latencies.filter((ms) => ms > 1000).length;
  return { rps: Math.round(latencies.length / DURATION_S), p50: at(0.5), p99: at(0.99), slow, failed };
}

async function until(read, done) {
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** An ALB whose listener forwards to 127.0.0.1:<port>, once its target is healthy: the listener's port. */
async function albFor(elb, name, port) {
  const lb = (await elb.send(new elbSdk.CreateLoadBalancerCommand({ Name: name, Subnets: ['s-1'] }))).LoadBalancers[0];
  const tg = (
    await elb.send(
      new elbSdk.CreateTargetGroupCommand({
        Name: name,
        Protocol: 'HTTP',
        Port: 8080,
        VpcId: 'vpc-1',
        TargetType: 'ip',
        HealthCheckPath: '/index.html',
        HealthCheckIntervalSeconds: 5,
        HealthCheckTimeoutSeconds: 2,
        HealthyThresholdCount: 2,
      }),
    )
  ).TargetGroups[0];
  await elb.send(
    new elbSdk.RegisterTargetsCommand({
      TargetGroupArn: tg.TargetGroupArn,
      Targets: [{ Id: '127.0.0.1', Port: port }],
    }),
  );
  const probe = http.createServer();
  await new Promise((r) => probe.listen(0, '127.0.0.1', r));
  const lbPort = probe.address().port;
  await new Promise((r) => probe.close(r));
  await elb.send(
    new elbSdk.CreateListenerCommand({
      LoadBalancerArn: lb.LoadBalancerArn,
      Protocol: 'HTTP',
      Port: lbPort,
      DefaultActions: [{ Type: 'forward', TargetGroupArn: tg.TargetGroupArn }],
    }),
  );
  await until(
    () => elb.send(new elbSdk.DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn })),
    (h) => h.TargetHealthDescriptions[0].TargetHealth.State === 'healthy',
  );
  return lbPort;
}

/** A keep-alive Node http server in its own process; resolves with its port and a stop function. */
async function startNodeUpstream() {
  const child = spawn(
    process.execPath,
    [
      '-e',
      "require('http').createServer((q, s) => s.end('hello\\n')).listen(0, '127.0.0.1', function () { console.log(this.address().port) })",
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = Number(await new Promise((resolve) => child.stdout.once('data', (d) => resolve(String(d).trim()))));
  return { port, stop: () => child.kill() };
}

async function run() {
  const bench = await startBenchGateway('ecs,elasticloadbalancing');
  const { ecs, url, credentials } = bench;
  const elb = new elbSdk.ElasticLoadBalancingV2Client({ endpoint: url, region: 'us-east-1', credentials });
  const nodeUpstream = await startNodeUpstream();
  try {
    await ecs.send(
      new ecsSdk.RegisterTaskDefinitionCommand({
        family: 'bench-elb',
        networkMode: 'bridge',
        containerDefinitions: [
          {
            name: 'web',
            image: IMAGE,
            entryPoint: ['sh', '-c'],
            command: ['mkdir -p /www && echo hello > /www/index.html && exec httpd -f -p 8080 -h /www'],
            memory: 32,
            stopTimeout: 1,
            portMappings: [{ containerPort: 8080, hostPort: 0 }],
          },
        ],
      }),
    );
    const taskArn = (await ecs.send(new ecsSdk.RunTaskCommand({ taskDefinition: 'bench-elb' }))).tasks[0].taskArn;
    const task = await until(
      async () => (await ecs.send(new ecsSdk.DescribeTasksCommand({ tasks: [taskArn] }))).tasks[0],
      (t) => t.lastStatus === 'RUNNING',
    );
    const taskPort = task.containers[0].networkBindings[0].hostPort;
    const busyboxAlb = await albFor(elb, 'bench', taskPort);
    const nodeAlb = await albFor(elb, 'bench-node', nodeUpstream.port);
    const paths = [
      ['busybox task, direct', taskPort],
      ['busybox task, via ALB', busyboxAlb],
      ['node keep-alive, direct', nodeUpstream.port],
      ['node keep-alive, via ALB', nodeAlb],
    ];
    for (const [, port] of paths) await load(port); // warm-up of every path's connections and the JIT
    console.log(
      `${CLIENTS} keep-alive clients, ${DURATION_S} s each; busybox httpd task (bridge, host port ${taskPort})`,
    );
    for (const [name, port] of paths) {
      const r = await load(port);
      console.log(
        `${name.padEnd(26)} ${r.rps} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, ${r.slow} over 1 s, ${r.failed} failed`,
      );
    }
    await ecs.send(new ecsSdk.StopTaskCommand({ task: taskArn }));
  } finally {
    nodeUpstream.stop();
    elb.destroy();
    await bench.close();
  }
}

module.exports = { run };
