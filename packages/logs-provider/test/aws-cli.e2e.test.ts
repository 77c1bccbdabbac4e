import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  awsCliEnv,
  requireAwsCliV2,
  startTestGateway,
  testCredentials,
  type TestGateway,
} from '@localcloud/gateway/testing';

/** `aws logs tail` exists in AWS CLI v2 only. */
const cli = requireAwsCliV2();

(cli ? describe : describe.skip)('aws logs tail (AWS CLI v2) against localcloud', () => {
  let gateway: TestGateway;
  let logs: CloudWatchLogsClient;
  const children: ChildProcess[] = [];
  const target = { logGroupName: '/cli/app', logStreamName: 'web/1' };

  // The CLI's output is a pipe here: without PYTHONUNBUFFERED Python holds --follow's lines in its buffer.
  const env = () => awsCliEnv({ PYTHONUNBUFFERED: '1' });

  beforeAll(async () => {
    gateway = await startTestGateway({ env: { SERVICES: 'logs' } });
    logs = new CloudWatchLogsClient({ endpoint: gateway.url, region: 'us-east-1', credentials: testCredentials() });
    await logs.send(new CreateLogGroupCommand({ logGroupName: target.logGroupName }));
    await logs.send(new CreateLogStreamCommand(target));
    const now = Date.now();
    await logs.send(
      new PutLogEventsCommand({
        ...target,
        logEvents: [
          { timestamp: now - 3000, message: 'first line' },
          { timestamp: now - 2000, message: 'second line' },
          { timestamp: now - 1000, message: 'third line' },
        ],
      }),
    );
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    logs?.destroy();
    await gateway?.close();
  });

  it('prints the log group events with `aws logs tail`', async () => {
    // Asynchronously: the gateway answering the CLI runs in this process.
    const { stdout: output } = await promisify(execFile)(
      cli!,
      ['--endpoint-url', gateway.url, 'logs', 'tail', target.logGroupName],
      { env: env(), encoding: 'utf8', timeout: 60_000 },
    );
    const lines = output.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines.map((line) => line.split(' ').slice(1).join(' '))).toEqual([
      'web/1 first line',
      'web/1 second line',
      'web/1 third line',
    ]);
  });

  it('follows new events with `aws logs tail --follow` until killed', async () => {
    const child = spawn(
      cli!,
      ['--endpoint-url', gateway.url, 'logs', 'tail', target.logGroupName, '--follow', '--format', 'short'],
      {
        env: env(),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const printed = (count: number) => stdout.trim().split('\n').filter(Boolean).length >= count;
    const waitFor = async (count: number, ms: number) => {
      const deadline = Date.now() + ms;
      while (!printed(count) && Date.now() < deadline && child.exitCode === null) await sleep(100);
      if (!printed(count)) throw new Error(`tail printed ${JSON.stringify(stdout)} (stderr ${JSON.stringify(stderr)})`);
    };

    await waitFor(3, 30_000);
    await logs.send(
      new PutLogEventsCommand({
        ...target,
        logEvents: [
          { timestamp: Date.now(), message: 'fourth line' },
          { timestamp: Date.now() + 1, message: 'fifth line' },
        ],
      }),
    );
    // The CLI polls FilterLogEvents every 5 seconds.
    await waitFor(5, 30_000);
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)));

    const messages = stdout
      .trim()
      .split('\n')
      .map((line) => line.split(' ').slice(1).join(' '));
    // Each event once, in order, though the CLI re-reads from the newest timestamp on every poll.
    expect(messages).toEqual(['first line', 'second line', 'third line', 'fourth line', 'fifth line']);
  }, 90_000);
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
