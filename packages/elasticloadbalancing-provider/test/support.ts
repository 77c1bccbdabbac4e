import net from 'node:net';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { startTestGateway, testCredentials, type TestGateway } from '@localcloud/gateway/testing';
import { createProvider } from '../src';

export interface ElbTestBed {
  gateway: TestGateway;
  elb: ElasticLoadBalancingV2Client;
  close(): Promise<void>;
}

/** A gateway serving ELBv2 and an SDK client pointed at it. */
export async function startElb(env: Record<string, string> = {}, accessKeyId?: string): Promise<ElbTestBed> {
  const gateway = await startTestGateway({
    env: { SERVICES: 'elasticloadbalancing', ...env },
    providers: { elasticloadbalancing: createProvider },
  });
  const elb = clientFor(gateway.url, accessKeyId);
  return {
    gateway,
    elb,
    async close() {
      elb.destroy();
      await gateway.close();
    },
  };
}

export function clientFor(url: string, accessKeyId?: string, region = 'us-east-1') {
  return new ElasticLoadBalancingV2Client({ endpoint: url, region, credentials: testCredentials(accessKeyId) });
}

/** The error a call fails with (the test fails if it succeeds). */
export { failure } from '@localcloud/gateway/testing';

/** A loopback port nothing listens on right now. */
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

export interface Reply {
  status: number;
  body: string;
  headers: import('node:http').IncomingHttpHeaders;
  /** Whether the request went over a kept-alive connection. */
  reusedSocket: boolean;
}

/** One HTTP request to 127.0.0.1:port, without keep-alive unless an agent is given. */
export function httpRequest(
  port: number,
  path: string,
  options: {
    method?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    agent?: import('node:http').Agent;
  } = {},
): Promise<Reply> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const http = require('node:http') as typeof import('node:http');
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        headers: options.headers,
        agent: options.agent ?? false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode!,
            body: Buffer.concat(chunks).toString(),
            headers: res.headers,
            reusedSocket: req.reusedSocket,
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Polls until `read` gives a value `done` accepts (jest's timeout bounds the wait). */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, pauseMs = 250): Promise<T> {
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
}
