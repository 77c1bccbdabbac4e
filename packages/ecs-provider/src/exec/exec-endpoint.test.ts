import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ContainerBackend } from '@localcloud/docker-backend';
import winston from 'winston';
import { WebSocket } from 'ws';
import { ExecEndpoint } from './exec-endpoint';
import type { ExecSessions } from './exec-sessions';
import { DATA_CHANNEL_PATH } from './stream-url';

/** The WebSocket servers the endpoint makes (ws is evaluated on first use in the bundle: none at start). */
const mockServersMade: unknown[] = [];
jest.mock('ws', () => {
  const actual = jest.requireActual<typeof import('ws')>('ws');
  class CountedServer extends actual.WebSocketServer {
    constructor(...args: ConstructorParameters<typeof actual.WebSocketServer>) {
      super(...args);
      mockServersMade.push(this);
    }
  }
  return { ...actual, WebSocketServer: CountedServer };
});

describe('ExecEndpoint', () => {
  const logger = winston.createLogger({ silent: true });
  const sessions = { isKnown: (id: string) => id === 'known', claim: () => ({}) } as unknown as ExecSessions;
  let gateway: http.Server;
  let endpoint: ExecEndpoint;

  beforeEach(async () => {
    mockServersMade.length = 0;
    endpoint = new ExecEndpoint({
      sessions,
      backend: {} as ContainerBackend,
      logger,
      stillExecutable: () => false,
    });
    gateway = http.createServer();
    gateway.on('upgrade', (request, socket, head) => endpoint.route.handleUpgrade(request, socket, head));
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
  });
  afterEach(async () => {
    await endpoint.close();
    await new Promise((resolve) => gateway.close(resolve));
  });

  const url = (sessionId: string) =>
    `ws://127.0.0.1:${(gateway.address() as AddressInfo).port}${DATA_CHANNEL_PATH}${sessionId}`;

  it('makes no WebSocket server until a known session upgrades, then one', async () => {
    expect(mockServersMade).toHaveLength(0);

    const unknown = new WebSocket(url('unknown'));
    const refused = await new Promise<number>((resolve) =>
      unknown.once('unexpected-response', (_req, res) => resolve(res.statusCode!)),
    );
    expect(refused).toBe(404);
    expect(mockServersMade).toHaveLength(0);

    for (let i = 0; i < 2; i++) {
      const client = new WebSocket(url('known'));
      await new Promise((resolve, reject) => client.once('open', resolve).once('error', reject));
      client.terminate();
    }
    expect(mockServersMade).toHaveLength(1);
  });

  it('closes without ever having made a server, and refuses upgrades after that (503) without making one', async () => {
    await expect(endpoint.close()).resolves.toBeUndefined();
    expect(mockServersMade).toHaveLength(0);

    const late = new WebSocket(url('known'));
    const refused = await new Promise<number>((resolve) =>
      late.once('unexpected-response', (_req, res) => resolve(res.statusCode!)),
    );
    expect(refused).toBe(503);
    expect(mockServersMade).toHaveLength(0);
  });
});
