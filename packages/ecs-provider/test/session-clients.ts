import { randomUUID } from 'node:crypto';
import { ssm, type SsmAgentMessage } from 'ssm-session';
import WebSocket from 'ws';
import { decodeAgentMessage, encodeAgentMessage, hasValidDigest, type AgentMessage } from '../src/exec/agent-message';

export interface SessionInfo {
  readonly streamUrl?: string;
  readonly tokenValue?: string;
  readonly sessionId?: string;
}

/** How a data channel ended, as its client saw it. */
export interface Ending {
  readonly code: number;
  readonly reason: string;
  /** The `channel_closed` payload, when one came. */
  readonly channelClosed?: { SessionId: string; Output: string; MessageType: string; DestinationId: string };
}

/**
 * The text a session showed, and promises on it. No timeouts here: a wait that never resolves fails the
 * test by jest's timeout, with what was shown so far in the error of `ended`.
 */
class Screen {
  text = '';
  private waiters: { pattern: RegExp; resolve: (text: string) => void; reject: (error: Error) => void }[] = [];
  readonly ended: Promise<Ending>;
  private end!: (ending: Ending) => void;
  channelClosed?: Ending['channelClosed'];

  constructor() {
    this.ended = new Promise((resolve) => (this.end = resolve));
  }

  show(text: string): void {
    this.text += text;
    this.waiters = this.waiters.filter((w) => (w.pattern.test(this.text) ? (w.resolve(this.text), false) : true));
  }

  closed(code: number, reason: string): void {
    for (const w of this.waiters) {
      w.reject(
        new Error(`channel closed (${code} ${reason}) before ${w.pattern} showed; shown: ${JSON.stringify(this.text)}`),
      );
    }
    this.waiters = [];
    this.end({ code, reason, channelClosed: this.channelClosed });
  }

  /** Resolves with all text shown once `pattern` matches it. */
  waitFor(pattern: RegExp): Promise<string> {
    if (pattern.test(this.text)) return Promise.resolve(this.text);
    return new Promise((resolve, reject) => this.waiters.push({ pattern, resolve, reject }));
  }
}

function connect(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
    ws.once('error', reject);
  });
}

/** A session driven by `ssm-session`, used as its README shows (acknowledging every message). */
export class SsmSessionClient extends Screen {
  private constructor(private readonly ws: WebSocket) {
    super();
    ws.on('message', (data: Buffer) => {
      const message: SsmAgentMessage = ssm.decode(data);
      ssm.sendACK(ws, message);
      if (message.messageType === 'output_stream_data' && message.payloadType === 1) {
        this.show(Buffer.from(message.payload).toString('utf8'));
      } else if (message.messageType === 'channel_closed') {
        this.channelClosed = JSON.parse(Buffer.from(message.payload).toString('utf8'));
      }
    });
    ws.once('close', (code, reason) => this.closed(code, reason.toString()));
  }

  static async open(session: SessionInfo, size = { cols: 80, rows: 24 }): Promise<SsmSessionClient> {
    const ws = await connect(session.streamUrl!);
    const client = new SsmSessionClient(ws);
    ssm.init(ws, { token: session.tokenValue!, termOptions: size });
    return client;
  }

  type(text: string): void {
    ssm.sendText(this.ws, new TextEncoder().encode(text));
  }

  resize(cols: number, rows: number): void {
    ssm.sendInitMessage(this.ws, { cols, rows });
  }
}

/**
 * A session driven the way AWS's session-manager-plugin drives it (src/datachannel/streaming.go):
 * open-data-channel JSON with ClientId and ClientVersion, the handshake, then size and keystrokes as
 * numbered input_stream_data messages, acknowledging output in sequence. Everything received is kept.
 */
export class PluginLikeClient extends Screen {
  readonly received: AgentMessage[] = [];
  private sequence = 0;
  private expected = 0;
  /** Resolves when the service completed the handshake (payload type HandshakeComplete). */
  readonly handshakeComplete: Promise<void>;
  private completeHandshake!: () => void;

  private constructor(private readonly ws: WebSocket) {
    super();
    this.handshakeComplete = new Promise((resolve) => (this.completeHandshake = resolve));
    ws.on('message', (data: Buffer) => {
      const message = decodeAgentMessage(data);
      this.received.push(message);
      if (message.messageType === 'output_stream_data' && message.sequenceNumber === this.expected) {
        this.expected++;
        this.ack(message);
        if (message.payloadType === 5) this.input(6, this.handshakeResponse(message));
        if (message.payloadType === 7) this.completeHandshake();
        if (message.payloadType === 1) this.show(message.payload.toString('utf8'));
      } else if (message.messageType === 'channel_closed') {
        this.channelClosed = JSON.parse(message.payload.toString('utf8'));
      }
    });
    ws.once('close', (code, reason) => this.closed(code, reason.toString()));
  }

  static async open(session: SessionInfo): Promise<PluginLikeClient> {
    const ws = await connect(session.streamUrl!);
    const client = new PluginLikeClient(ws);
    ws.send(
      JSON.stringify({
        MessageSchemaVersion: '1.0',
        RequestId: randomUUID(),
        TokenValue: session.tokenValue,
        ClientId: randomUUID(),
        ClientVersion: '1.2.707.0',
      }),
    );
    return client;
  }

  /** Every message received carries its payload's SHA-256, as the plugin's Validate requires. */
  allDigestsValid(): boolean {
    return this.received.every(hasValidDigest);
  }

  input(payloadType: number, payload: string): void {
    this.ws.send(
      encodeAgentMessage({
        messageType: 'input_stream_data',
        sequenceNumber: this.sequence++,
        flags: 0,
        payloadType,
        payload,
      }),
    );
  }

  type(text: string): void {
    this.input(1, text);
  }

  resize(cols: number, rows: number): void {
    this.input(3, JSON.stringify({ cols, rows }));
  }

  private ack(message: AgentMessage): void {
    this.ws.send(
      encodeAgentMessage({
        messageType: 'acknowledge',
        sequenceNumber: 0,
        flags: 3,
        payloadType: 0,
        payload: JSON.stringify({
          AcknowledgedMessageType: message.messageType,
          AcknowledgedMessageId: message.messageId,
          AcknowledgedMessageSequenceNumber: message.sequenceNumber,
          IsSequentialMessage: true,
        }),
      }),
    );
  }

  private handshakeResponse(request: AgentMessage): string {
    const { RequestedClientActions } = JSON.parse(request.payload.toString('utf8')) as {
      RequestedClientActions: { ActionType: string }[];
    };
    return JSON.stringify({
      ClientVersion: '1.2.707.0',
      ProcessedClientActions: RequestedClientActions.map((a) => ({ ActionType: a.ActionType, ActionStatus: 1 })),
      Errors: [],
    });
  }
}

/** Opens a data channel with `token` and reports how the endpoint ended it. */
export async function openWithToken(streamUrl: string, token: string): Promise<Ending & { frames: number }> {
  const ws = await connect(streamUrl);
  let frames = 0;
  ws.on('message', () => frames++);
  ws.send(JSON.stringify({ MessageSchemaVersion: '1.0', RequestId: randomUUID(), TokenValue: token }));
  return new Promise((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString(), frames })),
  );
}

export { connect };
