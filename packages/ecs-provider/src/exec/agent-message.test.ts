import { createHash } from 'node:crypto';
import {
  AgentMessageError,
  decodeAgentMessage,
  encodeAgentMessage,
  hasValidDigest,
  MessageType,
  PayloadType,
} from './agent-message';

/** Hex of fields laid out by hand from agentmessage.go / clientmessage.go, so a fixture reads field by field. */
const hex = (...fields: string[]) => Buffer.from(fields.join('').replace(/\s+/g, ''), 'hex');
const padded = (text: string, length: number) => Buffer.from(text.padEnd(length, ' '), 'latin1').toString('hex');

describe('the SSM agent message', () => {
  test('is serialised field by field as the plugin serialises it', () => {
    const encoded = encodeAgentMessage({
      messageType: MessageType.OutputStreamData,
      schemaVersion: 1,
      createdDate: 1_700_000_000_000,
      sequenceNumber: 7,
      flags: 0,
      messageId: '00112233-4455-6677-8899-aabbccddeeff',
      payloadType: PayloadType.Output,
      payload: 'hi',
    });
    expect(encoded.toString('hex')).toBe(
      hex(
        '00000074', // HeaderLength: 116
        padded('output_stream_data', 32), // MessageType, space padded
        '00000001', // SchemaVersion
        '0000018bcfe56800', // CreatedDate: epoch millis
        '0000000000000007', // SequenceNumber
        '0000000000000000', // Flags
        '8899aabbccddeeff 0011223344556677', // MessageId: least significant half first
        createHash('sha256').update('hi').digest('hex'), // PayloadDigest
        '00000001', // PayloadType: Output
        '00000002', // PayloadLength
        '6869', // Payload
      ).toString('hex'),
    );
  });

  test('reads back what it writes', () => {
    const message = {
      messageType: MessageType.Acknowledge,
      schemaVersion: 1,
      createdDate: 1_764_000_000_123,
      sequenceNumber: 2 ** 40,
      flags: 3,
      messageId: 'fedcba98-7654-3210-0123-456789abcdef',
      payloadType: 0,
      payload: Buffer.from('{"AcknowledgedMessageType":"input_stream_data"}'),
    };
    const decoded = decodeAgentMessage(encodeAgentMessage(message));
    expect(decoded).toMatchObject(message);
    expect(hasValidDigest(decoded)).toBe(true);
  });

  test('reads a size message as ssm-session writes it: NUL-padded type, hex text digest', () => {
    // The fixture in ssm-session's source (dist/ssm.js, `decode`): {"cols":202,"rows":18}, sequence 0, SYN.
    const frame = hex(
      '00000074',
      '000000000000000000000000000000 696e7075745f73747265616d5f64617461', // NULs, then input_stream_data
      '00000001',
      '000000001e5b37e2',
      '0000000000000000',
      '0000000000000001',
      '730f664914534e2a 9f01a37dbffefce1',
      Buffer.from('e44365b951162eda64acefd27572209e').toString('hex'),
      '00000003',
      '00000016',
      Buffer.from('{"cols":202,"rows":18}').toString('hex'),
    );
    const decoded = decodeAgentMessage(frame);
    expect(decoded).toMatchObject({
      messageType: 'input_stream_data',
      schemaVersion: 1,
      createdDate: 0x1e5b37e2,
      sequenceNumber: 0,
      flags: 1,
      messageId: '9f01a37d-bffe-fce1-730f-664914534e2a',
      payloadType: PayloadType.Size,
    });
    expect(JSON.parse(decoded.payload.toString())).toEqual({ cols: 202, rows: 18 });
    expect(hasValidDigest(decoded)).toBe(false);
  });

  test('is decoded by ssm-session, a third-party client of the protocol, as we meant it', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { ssm } = require('ssm-session') as { ssm: { decode(data: Uint8Array): Record<string, unknown> } };
    const decoded = ssm.decode(
      encodeAgentMessage({
        messageType: MessageType.OutputStreamData,
        sequenceNumber: 3,
        messageId: '12345678-9abc-4def-8123-456789abcdef',
        payloadType: PayloadType.Output,
        payload: 'ok\r\n',
      }),
    );
    expect(decoded).toMatchObject({
      headerLength: 116,
      messageType: 'output_stream_data',
      sequenceNumber: 3,
      messageId: '12345678-9abc-4def-8123-456789abcdef',
      payloadType: 1,
      payloadLength: 4,
    });
    expect(Buffer.from(decoded.payload as Uint8Array).toString()).toBe('ok\r\n');
  });

  test('refuses frames that are not messages', () => {
    expect(() => decodeAgentMessage(Buffer.alloc(100))).toThrow(AgentMessageError);
    const frame = encodeAgentMessage({ messageType: 'acknowledge', sequenceNumber: 0, payloadType: 0, payload: '' });
    frame.writeUInt32BE(400, 0);
    expect(() => decodeAgentMessage(frame)).toThrow(/Header length 400/);
    frame.writeUInt32BE(12, 0);
    expect(() => decodeAgentMessage(frame)).toThrow(AgentMessageError);
    expect(() =>
      encodeAgentMessage({ messageType: 'x'.repeat(33), sequenceNumber: 0, payloadType: 0, payload: '' }),
    ).toThrow(AgentMessageError);
  });
});
