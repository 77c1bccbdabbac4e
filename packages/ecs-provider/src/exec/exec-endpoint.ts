import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ContainerBackend } from '@localcloud/docker-backend';
import type { UpgradeRoute } from '@localcloud/gateway';
import type { Logger } from 'winston';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { DataChannel } from './data-channel';
import { ExecTokenRejected, type ExecSessions, type ExecTarget } from './exec-sessions';
import { DATA_CHANNEL_PATH } from './stream-url';

/** SSM's default idle session timeout. */
export const DEFAULT_IDLE_TIMEOUT_MS = 20 * 60_000;
/**
 * `ECS_EXEC_IDLE_TIMEOUT_SECONDS`: how long a session may go without input or output before it is
 * ended, as SSM's idle session timeout (default 20 minutes).
 */
export function idleTimeoutFromEnv(env: Readonly<Record<string, string | undefined>>): number {
  const raw = env.ECS_EXEC_IDLE_TIMEOUT_SECONDS;
  if (raw === undefined || raw === '') return DEFAULT_IDLE_TIMEOUT_MS;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new Error(`ECS_EXEC_IDLE_TIMEOUT_SECONDS must be a positive number of seconds; got '${raw}'.`);
  }
  return seconds * 1000;
}

/** Close code for a refused token (RFC 6455 "policy violation"). */
export const TOKEN_REFUSED = 1008;
/** How long an upgraded socket may wait before sending the open-data-channel message with its token. */
const OPEN_TIMEOUT_MS = 60_000;
/** A client's frames are small (keystrokes, sizes); anything larger is not a client of the protocol. */
const MAX_FRAME_BYTES = 1024 * 1024;

export interface ExecEndpointOptions {
  readonly sessions: ExecSessions;
  readonly backend: ContainerBackend;
  readonly logger: Logger;
  /** Whether the target's task still runs with execute command enabled and the same container. */
  readonly stillExecutable: (target: ExecTarget) => boolean;
  readonly idleTimeoutMs?: number;
}

/**
 * The data channel endpoint: WebSockets on the gateway's port under `DATA_CHANNEL_PATH<session id>`.
 * The first message must be the plugin's open-data-channel JSON (`MessageSchemaVersion`, `RequestId`,
 * `TokenValue`, and from the plugin `ClientId`, `ClientVersion`); its token must be the session's, unused
 * and unexpired, else the socket is closed with 1008. Then a `DataChannel` bridges the session to
 * `docker exec` with a TTY in the session's container.
 */
export class ExecEndpoint {
  /** Made on the first upgrade: ws is then evaluated on first use, not at every start (scripts/bundle.js). */
  private server?: WebSocketServer;
  private readonly channels = new Set<DataChannel>();
  private readonly sockets = new Set<WebSocket>();

  readonly route: UpgradeRoute = {
    pathPrefix: DATA_CHANNEL_PATH,
    handleUpgrade: (request, socket, head) => this.upgrade(request, socket, head),
  };

  private closed = false;

  constructor(private readonly options: ExecEndpointOptions) {}

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (request.url ?? '').split('?')[0]!;
    let sessionId: string;
    try {
      sessionId = decodeURIComponent(path.slice(DATA_CHANNEL_PATH.length));
    } catch {
      sessionId = '';
    }
    // Stopping: refused as ws refuses upgrades once its server is closed (none may be made now).
    if (this.closed) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    if (!this.options.sessions.isKnown(sessionId)) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.server ??= new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
    this.server.handleUpgrade(request, socket, head, (ws) => this.accept(ws, sessionId));
  }

  private accept(ws: WebSocket, sessionId: string): void {
    this.sockets.add(ws);
    ws.once('close', () => this.sockets.delete(ws));
    ws.on('error', (error) => this.options.logger.debug('ECS Exec socket error', { sessionId, error: String(error) }));
    // A client that never presents its token does not hold a socket for long.
    const waiting = setTimeout(() => ws.close(TOKEN_REFUSED, 'No token was presented.'), OPEN_TIMEOUT_MS);
    waiting.unref();
    ws.once('close', () => clearTimeout(waiting));
    ws.once('message', (data, isBinary) => {
      clearTimeout(waiting);
      let target: ExecTarget;
      try {
        if (isBinary) throw new ExecTokenRejected('invalid-token', 'The data channel was not opened with a token.');
        const open = JSON.parse(rawText(data)) as { TokenValue?: unknown };
        target = this.options.sessions.claim(sessionId, open?.TokenValue);
        if (!this.options.stillExecutable(target)) {
          ws.close(TOKEN_REFUSED, 'The task or container is no longer running.');
          return;
        }
      } catch (error) {
        const reason =
          error instanceof ExecTokenRejected ? error.message : 'The data channel was not opened with a token.';
        this.options.logger.info('ECS Exec data channel refused', { sessionId, reason });
        ws.close(TOKEN_REFUSED, reason);
        return;
      }
      this.bridge(ws, sessionId, target);
    });
  }

  private bridge(ws: WebSocket, sessionId: string, target: ExecTarget): void {
    const { backend, logger } = this.options;
    const taskId = target.taskArn.slice(target.taskArn.lastIndexOf('/') + 1);
    const cluster = target.clusterArn.slice(target.clusterArn.lastIndexOf('/') + 1);
    const channel = new DataChannel({
      sessionId,
      target: `ecs:${cluster}_${taskId}_${target.runtimeId}`,
      command: target.command,
      socket: {
        send: (frame) => ws.send(frame, { binary: true }),
        close: (code, reason) => ws.close(code, reason),
      },
      start: (size) => backend.execContainer(target.runtimeId, { command: target.command, tty: true, size }),
      logger,
      idleTimeoutMs: this.options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
      onClosed: () => this.channels.delete(channel),
    });
    this.channels.add(channel);
    ws.on('message', (data, isBinary) => {
      if (isBinary) channel.receive(rawBuffer(data));
    });
    ws.once('close', () => channel.clientClosed());
    logger.info('ECS Exec session started', { sessionId, taskArn: target.taskArn, container: target.containerName });
    channel.open();
  }

  /** Ends every session (the gateway is stopping): each client is told the channel closed. */
  async close(): Promise<void> {
    this.closed = true;
    for (const channel of [...this.channels]) channel.close('localcloud is shutting down.');
    // Sockets that never presented a token; closing ones finish their close handshake (or the gateway ends them).
    for (const ws of this.sockets) if (ws.readyState !== ws.CLOSING && ws.readyState !== ws.CLOSED) ws.terminate();
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function rawBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

function rawText(data: RawData): string {
  return rawBuffer(data).toString('utf8');
}
