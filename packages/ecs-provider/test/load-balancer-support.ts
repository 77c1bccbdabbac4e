import http from 'node:http';
import net from 'node:net';
import {
  CreateTargetGroupCommand,
  ElasticLoadBalancingV2Client,
  ModifyTargetGroupAttributesCommand,
  type TargetHealthDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { testCredentials } from '@localcloud/gateway/testing';

/** The port the test services' httpd answers on. */
export const PORT = 8080;

/** An ELBv2 client of a test gateway. */
export const elbClient = (url: string) =>
  new ElasticLoadBalancingV2Client({ endpoint: url, region: 'us-east-1', credentials: testCredentials() });

/** A loopback port nothing listens on right now (for a listener). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** One GET on a fresh connection: its status and trimmed body. */
export function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) =>
    http
      .get(url, { agent: false }, (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: body.trim() }));
      })
      .on('error', reject),
  );
}

/**
 * An HTTP target group (on PORT unless `port`), health-checked on `healthCheckPath` every 5 s (healthy after 2), with a
 * short deregistration delay when `delaySeconds` is given; answers its ARN.
 */
export async function createTargetGroup(
  elb: ElasticLoadBalancingV2Client,
  name: string,
  {
    healthCheckPath,
    targetType = 'ip',
    port = PORT,
    delaySeconds,
  }: { healthCheckPath: string; targetType?: 'ip' | 'instance'; port?: number; delaySeconds?: number },
): Promise<string> {
  const { TargetGroups } = await elb.send(
    new CreateTargetGroupCommand({
      Name: name,
      Protocol: 'HTTP',
      Port: port,
      VpcId: 'vpc-1',
      TargetType: targetType,
      HealthCheckPath: healthCheckPath,
      HealthCheckIntervalSeconds: 5,
      HealthCheckTimeoutSeconds: 2,
      HealthyThresholdCount: 2,
    }),
  );
  const arn = TargetGroups![0]!.TargetGroupArn!;
  if (delaySeconds !== undefined) {
    await elb.send(
      new ModifyTargetGroupAttributesCommand({
        TargetGroupArn: arn,
        Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: String(delaySeconds) }],
      }),
    );
  }
  return arn;
}

/** The ids of the healthy targets, sorted. */
export const healthyIds = (list: readonly TargetHealthDescription[]) =>
  list
    .filter((t) => t.TargetHealth?.State === 'healthy')
    .map((t) => t.Target!.Id!)
    .sort();
