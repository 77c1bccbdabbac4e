import { createHash, randomUUID } from 'node:crypto';

/*
 * The binary message of the SSM session protocol, as the SSM agent (agent/session/contracts/
 * agentmessage.go) and the session-manager-plugin (src/message/clientmessage.go, messageparser.go)
 * define it. Big-endian; strings space-padded; the message id's two halves swapped (least
 * significant 8 bytes first), as their putUuid/getUuid do.
 *
 * | HL (4) | MessageType (32) | SchemaVersion (4) | CreatedDate (8) | SequenceNumber (8) | Flags (8) |
 * | MessageId (16) | PayloadDigest (32, SHA-256) | PayloadType (4) | PayloadLength (4) | Payload |
 *
 * HL is the length of the header before PayloadLength: 116.
 */

export const MessageType = {
  InputStreamData: 'input_stream_data',
  OutputStreamData: 'output_stream_data',
  Acknowledge: 'acknowledge',
  ChannelClosed: 'channel_closed',
  StartPublication: 'start_publication',
  PausePublication: 'pause_publication',
} as const;

export const PayloadType = {
  Output: 1,
  Error: 2,
  Size: 3,
  Parameter: 4,
  HandshakeRequest: 5,
  HandshakeResponse: 6,
  HandshakeComplete: 7,
  EncChallengeRequest: 8,
  EncChallengeResponse: 9,
  Flag: 10,
  StdErr: 11,
  ExitCode: 12,
} as const;

/** Payload of a `Flag` message (a 4-byte big-endian number). */
export const PayloadTypeFlag = { DisconnectToPort: 1, TerminateSession: 2, ConnectToPortError: 3 } as const;

/** Flags bits: SYN marks the first message of a stream, FIN the last. */
export const Flags = { Syn: 1, Fin: 2 } as const;

export const HEADER_LENGTH = 116;
const OFFSET = {
  messageType: 4,
  schemaVersion: 36,
  createdDate: 40,
  sequenceNumber: 48,
  flags: 56,
  messageId: 64,
  payloadDigest: 80,
  payloadType: 112,
  payloadLength: 116,
  payload: 120,
} as const;
const MESSAGE_TYPE_LENGTH = 32;

export interface AgentMessage {
  readonly messageType: string;
  readonly schemaVersion: number;
  /** Epoch milliseconds. */
  readonly createdDate: number;
  readonly sequenceNumber: number;
  readonly flags: number;
  /** A UUID in its usual text form. */
  readonly messageId: string;
  readonly payloadDigest: Buffer;
  readonly payloadType: number;
  readonly payload: Buffer;
}

export type NewAgentMessage = Pick<AgentMessage, 'messageType' | 'sequenceNumber' | 'payloadType'> &
  Partial<Pick<AgentMessage, 'schemaVersion' | 'createdDate' | 'flags' | 'messageId'>> & {
    readonly payload: Buffer | string;
  };

/** A frame that is not an agent message. */
export class AgentMessageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AgentMessageError';
  }
}

/** Serialises a message as the plugin's SerializeClientMessage does, with the payload's SHA-256. */
export function encodeAgentMessage(message: NewAgentMessage): Buffer {
  const payload = typeof message.payload === 'string' ? Buffer.from(message.payload, 'utf8') : message.payload;
  if (Buffer.byteLength(message.messageType, 'latin1') > MESSAGE_TYPE_LENGTH) {
    throw new AgentMessageError(`Message type ${message.messageType} is longer than ${MESSAGE_TYPE_LENGTH} bytes.`);
  }
  const out = Buffer.alloc(OFFSET.payload + payload.length);
  out.writeUInt32BE(HEADER_LENGTH, 0);
  out.fill(' ', OFFSET.messageType, OFFSET.messageType + MESSAGE_TYPE_LENGTH, 'latin1');
  out.write(message.messageType, OFFSET.messageType, 'latin1');
  out.writeUInt32BE(message.schemaVersion ?? 1, OFFSET.schemaVersion);
  out.writeBigUInt64BE(BigInt(message.createdDate ?? Date.now()), OFFSET.createdDate);
  out.writeBigInt64BE(BigInt(message.sequenceNumber), OFFSET.sequenceNumber);
  out.writeBigUInt64BE(BigInt(message.flags ?? 0), OFFSET.flags);
  uuidToWire(message.messageId ?? randomUUID()).copy(out, OFFSET.messageId);
  sha256(payload).copy(out, OFFSET.payloadDigest);
  out.writeUInt32BE(message.payloadType, OFFSET.payloadType);
  out.writeUInt32BE(payload.length, OFFSET.payloadLength);
  payload.copy(out, OFFSET.payload);
  return out;
}

/**
 * Parses a frame as the plugin's DeserializeClientMessage does: the message type trimmed of NULs and
 * blanks (clients pad either way), the payload everything after the header length's PayloadLength field.
 */
export function decodeAgentMessage(frame: Uint8Array): AgentMessage {
  const buf = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
  if (buf.length < OFFSET.payload) {
    throw new AgentMessageError(`A message is at least ${OFFSET.payload} bytes; got ${buf.length}.`);
  }
  const headerLength = buf.readUInt32BE(0);
  if (headerLength < HEADER_LENGTH || headerLength + 4 > buf.length) {
    throw new AgentMessageError(`Header length ${headerLength} does not fit a message of ${buf.length} bytes.`);
  }
  const messageType = buf
    .toString('latin1', OFFSET.messageType, OFFSET.messageType + MESSAGE_TYPE_LENGTH)
    .replace(/^[\0\s]+|[\0\s]+$/g, '');
  return {
    messageType,
    schemaVersion: buf.readUInt32BE(OFFSET.schemaVersion),
    createdDate: Number(buf.readBigUInt64BE(OFFSET.createdDate)),
    sequenceNumber: Number(buf.readBigInt64BE(OFFSET.sequenceNumber)),
    flags: Number(buf.readBigUInt64BE(OFFSET.flags)),
    messageId: uuidFromWire(buf.subarray(OFFSET.messageId, OFFSET.messageId + 16)),
    payloadDigest: Buffer.from(buf.subarray(OFFSET.payloadDigest, OFFSET.payloadDigest + 32)),
    payloadType: buf.readUInt32BE(OFFSET.payloadType),
    payload: Buffer.from(buf.subarray(headerLength + 4)),
  };
}

/** Whether the digest is the payload's SHA-256, as the plugin's Validate requires of what it receives. */
export function hasValidDigest(message: AgentMessage): boolean {
  return message.payload.length === 0 || sha256(message.payload).equals(message.payloadDigest);
}

function sha256(data: Buffer): Buffer {
  return createHash('sha256').update(data).digest();
}

/** putUuid: the UUID's bytes 8–15 first, then bytes 0–7. */
function uuidToWire(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new AgentMessageError(`Not a UUID: ${uuid}`);
  const bytes = Buffer.from(hex, 'hex');
  return Buffer.concat([bytes.subarray(8, 16), bytes.subarray(0, 8)]);
}

/** getUuid: the inverse of uuidToWire. */
function uuidFromWire(wire: Buffer): string {
  const hex = Buffer.concat([wire.subarray(8, 16), wire.subarray(0, 8)]).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
