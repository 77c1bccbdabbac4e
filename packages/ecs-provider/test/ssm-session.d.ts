/** Types for `ssm-session` (npm), a third-party client of the SSM session protocol; it ships none. */
declare module 'ssm-session' {
  export interface SsmAgentMessage {
    headerLength: number;
    messageType: string;
    schemaVersion: number;
    createdDate: number;
    sequenceNumber: number;
    flags: number;
    messageId: string;
    payloadDigest: string;
    payloadType: number;
    payloadLength: number;
    payload: Uint8Array;
  }
  interface Connection {
    send(data: string | Uint8Array): void;
  }
  export const ssm: {
    init(connection: Connection, options: { token: string; termOptions: { cols: number; rows: number } }): void;
    sendInitMessage(connection: Connection, termOptions: { cols: number; rows: number }): void;
    sendText(connection: Connection, text: Uint8Array, sequenceNumber?: number): void;
    sendACK(connection: Connection, message: SsmAgentMessage): void;
    decode(data: ArrayBuffer | Uint8Array): SsmAgentMessage;
  };
}
