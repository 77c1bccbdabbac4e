import http from 'node:http';
import net from 'node:net';
import { WebSocketServer } from 'ws';

/** A real HTTP server standing in for a task: it answers its name, echoes bodies and WebSocket messages. */
export interface TargetServer {
  readonly name: string;
  readonly port: number;
  /** Requests it served, except health checks. */
  readonly seen: { path: string; headers: http.IncomingHttpHeaders }[];
  /** What `/health` answers. */
  healthStatus: number;
  close(): Promise<void>;
}

export async function startTarget(name: string): Promise<TargetServer> {
  const seen: TargetServer['seen'] = [];
  const target = { name, port: 0, seen, healthStatus: 200 } as TargetServer & { port: number };
  const server = http.createServer((req, res) => {
    if (req.url === '/health') {
      res.writeHead(target.healthStatus).end();
      return;
    }
    seen.push({ path: req.url ?? '', headers: req.headers });
    if (req.method === 'POST') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      req.pipe(res);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' }).end(name);
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (socket) => socket.on('message', (data) => socket.send(`${name}:${String(data)}`)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  target.port = (server.address() as net.AddressInfo).port;
  target.close = async () => {
    for (const client of wss.clients) client.terminate();
    wss.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return target;
}

/** A TCP server that answers every line with `<name>:<line>`. */
export async function startTcpTarget(name: string): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('data', (data) => socket.write(`${name}:${String(data)}`));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
