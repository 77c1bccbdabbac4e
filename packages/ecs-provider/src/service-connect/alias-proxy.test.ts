import http from 'node:http';
import http2 from 'node:http2';
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

function get(port: number, hostHeader?: string): Promise<string> {
  return new Promise((resolve, reject) =>
    http
      .get({ host: '127.0.0.1', port, agent: false, headers: hostHeader ? { host: hostHeader } : {} }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve(res.statusCode === 200 ? body : `${res.statusCode}`));
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

  it('routes a port shared by HTTP aliases by Host header, and turns back to TCP when one alias is left', async () => {
    const a = await server('a');
    const b = await server('b');
    const c = await server('c');
    servers.push(a, b, c);
    const port = await freePort();
    const to = (s: http.Server) => ({ host: '127.0.0.1', port: portOf(s) });
    const routes = new Map([
      ['one.ns', [to(a), to(c)]],
      ['two', [to(b)]],
      ['empty', []],
    ]);
    proxies.sync([{ host: '127.0.0.1', port, targets: [to(a), to(b), to(c)], routes }]);
    await new Promise((resolve) => setImmediate(resolve));

    // The Host header picks the alias (case and port ignored), round robin within it.
    expect(await get(port, 'two:80')).toBe('b');
    expect(new Set([await get(port, 'One.NS'), await get(port, 'one.ns:80')])).toEqual(new Set(['a', 'c']));
    expect(await get(port, 'two')).toBe('b');
    // An unknown name: 404; a name whose service has no task: 503 (Envoy's answers), never a hang.
    expect(await get(port, 'nobody')).toBe('404');
    expect(await get(port, 'empty')).toBe('503');
    // A request body and a keep-alive connection go through the router as well.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const post = (host: string) =>
      new Promise<string>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, method: 'POST', agent, headers: { host } }, (res) => {
          let body = '';
          res.on('data', (chunk) => (body += chunk));
          res.on('end', () => resolve(body));
        });
        req.on('error', reject);
        req.end('payload');
      });
    expect([await post('two'), await post('one.ns'), await post('two')]).toEqual(['b', expect.any(String), 'b']);
    agent.destroy();

    // One alias left on the port: plain TCP again, whatever the Host header says.
    proxies.sync([{ host: '127.0.0.1', port, targets: [to(b)] }]);
    expect(await get(port, 'nobody')).toBe('b');
    proxies.sync([]);
  });

  it('routes cleartext HTTP/2 (gRPC-style, prior knowledge) on a shared port by :authority, trailers included', async () => {
    const h2server = (name: string) => {
      const s = http2.createServer();
      s.on('stream', (stream, headers) => {
        let body = '';
        stream.on('data', (chunk) => (body += chunk));
        stream.on('end', () => {
          stream.respond({ ':status': 200, 'content-type': 'text/plain' }, { waitForTrailers: true });
          stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'x-echo': body }));
          stream.end(`${name} ${headers[':path']}`);
        });
      });
      return new Promise<http2.Http2Server>((resolve) => s.listen(0, '127.0.0.1', () => resolve(s)));
    };
    const a = await h2server('a');
    const b = await h2server('b');
    const port = await freePort();
    const to = (s: http2.Http2Server) => ({ host: '127.0.0.1', port: (s.address() as AddressInfo).port });
    const routes = new Map([
      ['one', [to(a)]],
      ['two', [to(b)]],
    ]);
    proxies.sync([{ host: '127.0.0.1', port, targets: [to(a), to(b)], routes }]);
    await new Promise((resolve) => setImmediate(resolve));

    const call = (authority: string) =>
      new Promise<{ status?: number; body: string; trailers: http2.IncomingHttpHeaders }>((resolve, reject) => {
        const session = http2.connect(`http://127.0.0.1:${port}`);
        session.on('error', reject);
        const req = session.request({ ':method': 'POST', ':path': '/svc/Call', ':authority': authority });
        let status: number | undefined;
        let body = '';
        let trailers: http2.IncomingHttpHeaders = {};
        req.on('response', (headers) => (status = headers[':status']));
        req.on('trailers', (t) => (trailers = t));
        req.on('data', (chunk) => (body += chunk));
        req.on('end', () => {
          session.close();
          resolve({ status, body, trailers });
        });
        req.on('error', reject);
        req.end('ping');
      });
    expect(await call('one:4000')).toMatchObject({ status: 200, body: 'a /svc/Call', trailers: { 'x-echo': 'ping' } });
    expect(await call('two')).toMatchObject({ status: 200, body: 'b /svc/Call', trailers: { 'grpc-status': '0' } });
    expect((await call('nobody')).status).toBe(404);
    // HTTP/1.1 still works on the same port.
    expect(await get(port, 'nobody')).toBe('404');

    proxies.sync([]);
    await Promise.all([a, b].map((s) => new Promise((resolve) => s.close(resolve))));
  });
});
