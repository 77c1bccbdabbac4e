import { randomUUID } from 'node:crypto';
import type { ExecProcess, TerminalSize } from '@localcloud/docker-backend';
import type { Logger } from 'winston';
import {
  decodeAgentMessage,
  encodeAgentMessage,
  Flags,
  MessageType,
  PayloadType,
  PayloadTypeFlag,
  type AgentMessage,
} from './agent-message';

/** The WebSocket as the data channel uses it. */
export interface ChannelSocket {
  send(frame: Buffer): void;
  close(code: number, reason: string): void;
}

export interface DataChannelOptions {
  readonly sessionId: string;
  /** `ecs:<cluster>_<task id>_<runtime id>`, as the AWS CLI names the target. */
  readonly target: string;
  /** What the session runs, told to the client in the handshake. */
  readonly command: readonly string[];
  readonly socket: ChannelSocket;
  /** Starts the command with a terminal of this size. */
  start(size: TerminalSize): Promise<ExecProcess>;
  readonly logger: Logger;
  /** Ends the session after this long without input or output (SSM's default: 20 minutes). */
  readonly idleTimeoutMs: number;
  /** Called once, when the channel has closed. */
  onClosed?(): void;
}

/** Output is sent in messages of at most this many bytes, as the SSM agent's StreamDataPayloadSize. */
export const MAX_OUTPUT_PAYLOAD = 1024;
/** Messages from the client received ahead of a gap, kept until the gap is filled. */
const MAX_BUFFERED_INPUT = 100;
export const AGENT_VERSION = '3.3.0.0';
const DEFAULT_SIZE: TerminalSize = { cols: 80, rows: 24 };
export const IDLE_TIMEOUT_OUTPUT = 'Your session timed out due to inactivity and has been terminated.';

/**
 * One ECS Exec session's data channel, the service's side of the SSM session protocol toward the
 * session-manager-plugin (or any client of it), bridged to a process in the container:
 *
 * 1. After the token, it sends a HandshakeRequest (session type `InteractiveCommands`, as the agent in
 *    an ECS task does); a HandshakeResponse is answered with HandshakeComplete. Clients that skip the
 *    handshake (ssm-session) are served all the same.
 * 2. The command starts on the client's first `size` or input message, when the client is ready to
 *    show output (the plugin sends its size only once its session handler is set up), with that size.
 * 3. `input_stream_data` is handled in sequence order (duplicates acknowledged and dropped, early ones
 *    kept until the gap fills) and each is acknowledged; Output payloads go to stdin, Size resizes the
 *    terminal, Flag TerminateSession ends the session.
 * 4. Output goes out as `output_stream_data` (payload type Output), numbered from the handshake's 0.
 * 5. When the process exits (or the session ends otherwise) a `channel_closed` message is sent and the
 *    WebSocket closed, which makes the plugin exit.
 */
export class DataChannel {
  private outgoingSequence = 0;
  private expectedSequence = 0;
  private readonly early = new Map<number, AgentMessage>();
  private process?: ExecProcess;
  private starting?: Promise<ExecProcess>;
  private size: TerminalSize = DEFAULT_SIZE;
  /** Incoming messages are handled one after another, each after the previous one's effect. */
  private queue: Promise<void> = Promise.resolve();
  private idleTimer?: NodeJS.Timeout;
  private handshakeSentAt = 0;
  private closed = false;

  constructor(private readonly options: DataChannelOptions) {}

  /** The client has presented a valid token: start the handshake. */
  open(): void {
    this.touch();
    this.handshakeSentAt = Date.now();
    this.sendOutput(
      PayloadType.HandshakeRequest,
      JSON.stringify({
        AgentVersion: AGENT_VERSION,
        RequestedClientActions: [
          {
            ActionType: 'SessionType',
            ActionParameters: {
              SessionType: 'InteractiveCommands',
              Properties: { commands: this.options.command.join(' '), idleSessionTimeout: this.idleMinutes() },
            },
          },
        ],
      }),
    );
  }

  /** A binary frame from the client. */
  receive(frame: Buffer): void {
    if (this.closed) return;
    let message: AgentMessage;
    try {
      message = decodeAgentMessage(frame);
    } catch (error) {
      this.options.logger.debug('ECS Exec: ignored a frame that is not an agent message', {
        sessionId: this.options.sessionId,
        error: String(error),
      });
      return;
    }
    // Digests are not checked: ssm-session sends hex text of a hash that is not the payload's (and real
    // SSM accepts it). What this side sends carries the payload's SHA-256, as the plugin requires.
    if (message.messageType === MessageType.InputStreamData) this.enqueue(() => this.onInput(message));
    // Acknowledgements of output need no action: the WebSocket's TCP connection does not lose messages,
    // so nothing is kept for retransmission. Other types (start/pause_publication) are not sent by clients.
  }

  /** The client's WebSocket closed (or failed). */
  clientClosed(): void {
    this.finish();
  }

  /** Ends the session from this side: tells the client, closes the socket, hangs up the process. */
  close(output = ''): void {
    if (this.closed) return;
    this.sendChannelClosed(output);
    this.options.socket.close(1000, output ? output.slice(0, 120) : 'Session ended');
    this.finish();
  }

  private enqueue(step: () => Promise<void> | void): void {
    this.queue = this.queue.then(step).catch((error: unknown) => {
      this.options.logger.warn('ECS Exec session failed', { sessionId: this.options.sessionId, error: String(error) });
      this.close(`The command could not run: ${error instanceof Error ? error.message : String(error)}`);
    });
  }

  private async onInput(message: AgentMessage): Promise<void> {
    if (this.closed) return;
    this.acknowledge(message);
    this.touch();
    const sequence = message.sequenceNumber;
    if (sequence < this.expectedSequence) {
      // A retransmission. ssm-session numbers every size message with the last number it used, so a
      // resize arrives as a "duplicate": sizes are idempotent, so apply the latest one anyway.
      if (message.payloadType === PayloadType.Size) await this.handle(message);
      return;
    }
    if (sequence > this.expectedSequence) {
      if (this.early.size < MAX_BUFFERED_INPUT) this.early.set(sequence, message);
      return;
    }
    await this.handle(message);
    this.expectedSequence++;
    for (let next = this.early.get(this.expectedSequence); next; next = this.early.get(this.expectedSequence)) {
      this.early.delete(this.expectedSequence);
      await this.handle(next);
      this.expectedSequence++;
    }
  }

  private async handle(message: AgentMessage): Promise<void> {
    if (this.closed) return;
    switch (message.payloadType) {
      case PayloadType.HandshakeResponse:
        this.sendOutput(
          PayloadType.HandshakeComplete,
          JSON.stringify({
            // A Go time.Duration: nanoseconds.
            HandshakeTimeToComplete: (Date.now() - this.handshakeSentAt) * 1_000_000,
            CustomerMessage: '',
          }),
        );
        return;
      case PayloadType.Size: {
        const size = parseSize(message.payload);
        if (!size) return;
        this.size = size;
        // The first size starts the command with it; later ones resize its terminal.
        if (!this.starting) await this.startProcess();
        else await (await this.starting).resize(size);
        return;
      }
      case PayloadType.Output: {
        (await this.startProcess()).write(message.payload);
        return;
      }
      case PayloadType.Flag:
        if (message.payload.length >= 4 && message.payload.readUInt32BE(0) === PayloadTypeFlag.TerminateSession) {
          this.close();
        }
        return;
      default:
        // Encryption challenges and other payload types are not used by ECS Exec sessions here.
        return;
    }
  }

  private async startProcess(): Promise<ExecProcess> {
    this.starting ??= this.options.start(this.size).then((process) => {
      this.process = process;
      void this.pump(process);
      return process;
    });
    return this.starting;
  }

  /** Output to the client until the process's output ends; then the exit code, and the channel closes. */
  private async pump(process: ExecProcess): Promise<void> {
    try {
      for await (const chunk of process.output) {
        if (this.closed) break;
        this.touch();
        const bytes = Buffer.from(chunk);
        for (let offset = 0; offset < bytes.length; offset += MAX_OUTPUT_PAYLOAD) {
          this.sendOutput(PayloadType.Output, bytes.subarray(offset, offset + MAX_OUTPUT_PAYLOAD));
        }
      }
      if (this.closed) return;
      const exitCode = await process.exitCode();
      this.options.logger.debug('ECS Exec command exited', { sessionId: this.options.sessionId, exitCode });
    } catch (error) {
      this.options.logger.debug('ECS Exec output ended with an error', {
        sessionId: this.options.sessionId,
        error: String(error),
      });
    }
    // Let input already received take effect first (e.g. its acknowledgements go out before the close).
    this.enqueue(() => this.close());
  }

  private sendOutput(payloadType: number, payload: Buffer | string): void {
    this.send(
      encodeAgentMessage({
        messageType: MessageType.OutputStreamData,
        sequenceNumber: this.outgoingSequence,
        flags: this.outgoingSequence === 0 ? Flags.Syn : 0,
        payloadType,
        payload,
      }),
    );
    this.outgoingSequence++;
  }

  private acknowledge(message: AgentMessage): void {
    this.send(
      encodeAgentMessage({
        messageType: MessageType.Acknowledge,
        sequenceNumber: 0,
        flags: Flags.Syn | Flags.Fin,
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

  private sendChannelClosed(output: string): void {
    const messageId = randomUUID();
    this.send(
      encodeAgentMessage({
        messageType: MessageType.ChannelClosed,
        sequenceNumber: 0,
        flags: Flags.Syn | Flags.Fin,
        messageId,
        payloadType: 0,
        payload: JSON.stringify({
          MessageId: messageId,
          CreatedDate: new Date().toISOString(),
          DestinationId: this.options.target,
          SessionId: this.options.sessionId,
          MessageType: MessageType.ChannelClosed,
          SchemaVersion: 1,
          Output: output,
        }),
      }),
    );
  }

  private send(frame: Buffer): void {
    if (!this.closed) this.options.socket.send(frame);
  }

  private touch(): void {
    if (this.closed) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.close(IDLE_TIMEOUT_OUTPUT), this.options.idleTimeoutMs);
    this.idleTimer.unref();
  }

  private idleMinutes(): string {
    return String(Math.max(1, Math.round(this.options.idleTimeoutMs / 60_000)));
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.idleTimer);
    const process = this.process;
    if (process) void process.close();
    else
      void this.starting?.then(
        (started) => started.close(),
        () => {},
      );
    this.options.onClosed?.();
  }
}

function parseSize(payload: Buffer): TerminalSize | undefined {
  try {
    const { cols, rows } = JSON.parse(payload.toString('utf8')) as { cols?: unknown; rows?: unknown };
    const valid = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n > 0 && n < 10_000;
    return valid(cols) && valid(rows) ? { cols, rows } : undefined;
  } catch {
    return undefined;
  }
}
