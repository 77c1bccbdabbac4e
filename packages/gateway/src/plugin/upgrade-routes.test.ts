import http from 'node:http';
import type { Duplex } from 'node:stream';
import { startTestGateway, type TestGateway } from '../testing';
import type { ServiceProvider, UpgradeRoute } from './service-provider';

const provider = (name: string, upgradeRoutes: UpgradeRoute[]): ServiceProvider => ({
  service: { name, protocol: 'json1.1' },
  operations: new Set(),
  handle: async () => ({}),
  upgradeRoutes,
});

/** A route that completes an upgrade to a line protocol echoing what it receives, prefixed with its name. */
const echoRoute = (pathPrefix: string, name: string, seen: string[] = []): UpgradeRoute => ({
  pathPrefix,
  handleUpgrade(request, socket) {
    seen.push(request.url!);
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n');
    socket.on('data', (data) => socket.write(`${name}:${data}`));
  },
});

/** Requests an upgrade; resolves with the upgraded socket, or the HTTP status when refused. */
function upgrade(url: string): Promise<{ socket: Duplex } | { status: number }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { headers: { Connection: 'Upgrade', Upgrade: 'echo' } });
    request.on('upgrade', (_response, socket) => resolve({ socket }));
    request.on('response', (response) => {
      response.resume();
      resolve({ status: response.statusCode! });
    });
    request.on('error', reject);
    request.end();
  });
}

function reply(socket: Duplex, text: string): Promise<string> {
  return new Promise((resolve) => {
    socket.once('data', (data: Buffer) => resolve(data.toString()));
    socket.write(text);
  });
}

describe('upgrade routes of providers', () => {
  let gw: TestGateway;
  const seen: string[] = [];

  beforeAll(async () => {
    gw = await startTestGateway({
      env: { SERVICES: 'ecs' },
      providers: {
        one: () => provider('one', [echoRoute('/_localcloud/one/', 'one', seen)]),
        two: () => provider('two', [echoRoute('/_localcloud/two/', 'two')]),
      },
    });
  });
  afterAll(() => gw.close());

  test('hand each upgrade to the provider whose path prefix matches, with the request', async () => {
    const one = await upgrade(`${gw.url}/_localcloud/one/abc?x=1`);
    const two = await upgrade(`${gw.url}/_localcloud/two/def`);
    if (!('socket' in one) || !('socket' in two)) throw new Error('not upgraded');
    expect(await reply(one.socket, 'hello')).toBe('one:hello');
    expect(await reply(two.socket, 'hello')).toBe('two:hello');
    expect(seen).toEqual(['/_localcloud/one/abc?x=1']);
    one.socket.destroy();
    two.socket.destroy();
  });

  test('answer 404 to upgrades no provider serves', async () => {
    expect(await upgrade(`${gw.url}/_localcloud/three/abc`)).toEqual({ status: 404 });
    expect(await upgrade(`${gw.url}/_localcloud/one`)).toEqual({ status: 404 });
  });

  test('refuse overlapping prefixes when the gateway is created', async () => {
    await expect(
      startTestGateway({
        env: { SERVICES: 'ecs' },
        providers: {
          one: () => provider('one', [echoRoute('/_localcloud/x/', 'one')]),
          two: () => provider('two', [echoRoute('/_localcloud/x/y/', 'two')]),
        },
      }),
    ).rejects.toThrow(/overlaps/);
  });
});
