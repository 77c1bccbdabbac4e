import { PassThrough } from 'node:stream';
import type { ExecProcess, TerminalSize } from '@localcloud/docker-backend';
import { createLogger } from '@localcloud/gateway';
import {
  decodeAgentMessage,
  encodeAgentMessage,
  hasValidDigest,
  PayloadType,
  type AgentMessage,
} from './agent-message';
import { DataChannel, IDLE_TIMEOUT_OUTPUT, MAX_OUTPUT_PAYLOAD } from './data-channel';

/** A process that records what it is told; its output is written by the test. */
class FakeProcess implements ExecProcess {
  readonly id = 'exec-1';
  readonly output = new PassThrough();
  readonly input: string[] = [];
  readonly sizes: TerminalSize[] = [];
  closed = false;
  constructor(size: TerminalSize) {
    this.sizes.push(size);
  }
  write(data: Uint8Array): void {
    this.input.push(Buffer.from(data).toString());
  }
  async resize(size: TerminalSize): Promise<void> {
    this.sizes.push(size);
  }
  async exitCode(): Promise<number> {
    return 0;
  }
  async close(): Promise<void> {
    this.closed = true;
    this.output.end();
  }
}

function harness(options: { start?: (size: TerminalSize) => Promise<ExecProcess>; idleTimeoutMs?: number } = {}) {
  const sent: AgentMessage[] = [];
  const closes: { code: number; reason: string }[] = [];
  let socketClosed!: () => void;
  const closed = new Promise<void>((resolve) => (socketClosed = resolve));
  let process: FakeProcess | undefined;
  const channel = new DataChannel({
    sessionId: 'ecs-execute-command-0123456789abcdef0',
    target: 'ecs:default_abc_c0ffee',
    command: ['/bin/sh'],
    socket: {
      send: (frame) => sent.push(decodeAgentMessage(frame)),
      close: (code, reason) => {
        closes.push({ code, reason });
        socketClosed();
      },
    },
    start:
      options.start ??
      (async (size) => {
        process = new FakeProcess(size);
        return process;
      }),
    logger: createLogger('error'),
    idleTimeoutMs: options.idleTimeoutMs ?? 60_000,
  });
  let sequence = 0;
  const input = (payloadType: number, payload: string, seq = sequence++) =>
    channel.receive(
      encodeAgentMessage({ messageType: 'input_stream_data', sequenceNumber: seq, payloadType, payload }),
    );
  /** Lets queued message handling run. */
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  return { channel, sent, closes, closed, input, settle, process: () => process };
}

const acks = (sent: AgentMessage[]) =>
  sent
    .filter((m) => m.messageType === 'acknowledge')
    .map((m) => JSON.parse(m.payload.toString()).AcknowledgedMessageSequenceNumber as number);

describe('the data channel', () => {
  test('opens with a handshake request and completes the handshake when answered', async () => {
    const h = harness();
    h.channel.open();
    expect(h.sent[0]).toMatchObject({ messageType: 'output_stream_data', sequenceNumber: 0, flags: 1, payloadType: 5 });
    h.input(PayloadType.HandshakeResponse, JSON.stringify({ ProcessedClientActions: [] }));
    await h.settle();
    expect(h.sent.map((m) => [m.messageType, m.payloadType])).toEqual([
      ['output_stream_data', PayloadType.HandshakeRequest],
      ['acknowledge', 0],
      ['output_stream_data', PayloadType.HandshakeComplete],
    ]);
    expect(h.sent[2]!.sequenceNumber).toBe(1);
    expect(h.sent.every(hasValidDigest)).toBe(true);
    expect(h.process()).toBeUndefined(); // nothing runs before the client is ready
  });

  test('starts the command at the first size, with it, and feeds input in sequence order', async () => {
    const h = harness();
    h.channel.open();
    h.input(PayloadType.Size, '{"cols":100,"rows":30}', 0);
    h.input(PayloadType.Output, 'b', 2); // early: kept until 1 arrives
    h.input(PayloadType.Output, 'a', 1);
    h.input(PayloadType.Output, 'a', 1); // a retransmission: dropped
    h.input(PayloadType.Output, 'c', 3);
    await h.settle();
    expect(h.process()!.sizes).toEqual([{ cols: 100, rows: 30 }]);
    expect(h.process()!.input).toEqual(['a', 'b', 'c']);
    expect(acks(h.sent)).toEqual([0, 2, 1, 1, 3]);
  });

  test('applies a size that reuses a sequence number, as ssm-session sends resizes', async () => {
    const h = harness();
    h.channel.open();
    h.input(PayloadType.Size, '{"cols":80,"rows":24}', 0);
    h.input(PayloadType.Output, 'ls\r', 1);
    h.input(PayloadType.Size, '{"cols":132,"rows":43}', 1);
    h.input(PayloadType.Output, 'pwd\r', 2);
    await h.settle();
    expect(h.process()!.sizes).toEqual([
      { cols: 80, rows: 24 },
      { cols: 132, rows: 43 },
    ]);
    expect(h.process()!.input).toEqual(['ls\r', 'pwd\r']);
  });

  test('sends output in numbered messages of at most 1024 bytes, then closes the channel at exit', async () => {
    const h = harness();
    h.channel.open();
    h.input(PayloadType.Output, 'x', 0);
    await h.settle();
    const big = 'y'.repeat(MAX_OUTPUT_PAYLOAD + 10);
    h.process()!.output.end(big);
    await h.closed;
    const outputs = h.sent.filter((m) => m.messageType === 'output_stream_data');
    expect(outputs.map((m) => [m.sequenceNumber, m.payload.length])).toEqual([
      [0, outputs[0]!.payload.length],
      [1, MAX_OUTPUT_PAYLOAD],
      [2, 10],
    ]);
    const closed = h.sent.at(-1)!;
    expect(closed.messageType).toBe('channel_closed');
    expect(JSON.parse(closed.payload.toString())).toMatchObject({
      SessionId: 'ecs-execute-command-0123456789abcdef0',
      DestinationId: 'ecs:default_abc_c0ffee',
      Output: '',
    });
    expect(h.closes).toEqual([{ code: 1000, reason: 'Session ended' }]);
  });

  test('ends the session on a TerminateSession flag and hangs up the process', async () => {
    const h = harness();
    h.channel.open();
    h.input(PayloadType.Output, 'x', 0);
    const flag = Buffer.alloc(4);
    flag.writeUInt32BE(2);
    h.channel.receive(
      encodeAgentMessage({ messageType: 'input_stream_data', sequenceNumber: 1, payloadType: 10, payload: flag }),
    );
    await h.settle();
    expect(h.process()!.closed).toBe(true);
    expect(h.sent.at(-1)!.messageType).toBe('channel_closed');
  });

  test('tells the client when the command cannot start', async () => {
    const h = harness({ start: () => Promise.reject(new Error('no such file: /bin/zsh')) });
    h.channel.open();
    h.input(PayloadType.Size, '{"cols":80,"rows":24}', 0);
    await h.settle();
    await h.settle();
    expect(JSON.parse(h.sent.at(-1)!.payload.toString()).Output).toBe(
      'The command could not run: no such file: /bin/zsh',
    );
  });

  test("ends an idle session with SSM's message", () => {
    jest.useFakeTimers();
    try {
      const h = harness({ idleTimeoutMs: 1_000 });
      h.channel.open();
      jest.advanceTimersByTime(999);
      expect(h.closes).toEqual([]);
      jest.advanceTimersByTime(1);
      expect(JSON.parse(h.sent.at(-1)!.payload.toString()).Output).toBe(IDLE_TIMEOUT_OUTPUT);
      expect(h.closes).toHaveLength(1);
    } finally {
      jest.useRealTimers();
    }
  });
});
