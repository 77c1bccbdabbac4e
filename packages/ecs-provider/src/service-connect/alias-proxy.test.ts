import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import winston from 'winston';
import { AliasProxies } from './alias-proxy';

/* The alias proxy on real sockets (loopback): round robin, a dead target skipped, targets changed live. */

function server(name: string): Promise<http.Server> {
  const s = http.createServer((_req, res) => res.end(name));
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve(s)));
}
const portOf = (s: net.Server) => (s.address() as AddressInfo).port;

function get(port: number): Promise<string> {
  return new Promise((resolve, reject) =>
    http
      .get({ host: '127.0.0.1', port, agent: false }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve(body));
      })
      .on('error', reject),
  );
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  const port = portOf(s);
  await new Promise((resolve) => s.close(resolve));
  return port;
}

describe('Service Connect alias proxy', () => {
  const proxies = new AliasProxies(winston.createLogger({ silent: true }));
  const servers: http.Server[] = [];
  afterAll(async () => {
    await proxies.close();
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  });

  it('forwards connections round robin, skips a target that refuses, and follows target changes', async () => {
    const a = await server('a');
    const b = await server('b');
    servers.push(a, b);
    const dead = await freePort();
    const port = await freePort();
    const targets = [
      { host: '127.0.0.1', port: portOf(a) },
      { host: '127.0.0.1', port: dead },
      { host: '127.0.0.1', port: portOf(b) },
    ];
    proxies.sync([{ host: '127.0.0.1', port, targets }]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(proxies.addresses()).toEqual([`127.0.0.1:${port}`]);

    const answers: string[] = [];
    for (let i = 0; i < 6; i += 1) answers.push(await get(port));
    expect(answers.filter((x) => x === 'a').length).toBe(3);
    expect(answers.filter((x) => x === 'b').length).toBe(3);

    proxies.sync([{ host: '127.0.0.1', port, targets: [{ host: '127.0.0.1', port: portOf(b) }] }]);
    expect(new Set([await get(port), await get(port)])).toEqual(new Set(['b']));

    // No targets: the connection is closed, not left hanging; no spec: the listener goes.
    proxies.sync([{ host: '127.0.0.1', port, targets: [] }]);
    await expect(get(port)).rejects.toThrow();
    proxies.sync([]);
    expect(proxies.addresses()).toEqual([]);
  });
});
