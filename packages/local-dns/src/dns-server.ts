import dgram from 'node:dgram';
import net from 'node:net';
import * as dnsPacket from 'dns-packet';
import type { Answerer } from './answer';
import { forwardQuery, type Upstream } from './upstream';

export interface DnsServerOptions {
  readonly answerer: Answerer;
  /** Where names the table does not hold go; read at each query (the host's resolvers may change). */
  readonly upstreams: () => readonly Upstream[];
  /** How long one upstream gets before the next is asked; all silent: SERVFAIL. */
  readonly forwardTimeoutMs?: number;
  readonly onError?: (error: unknown) => void;
}

/** RFC 1035's limit for a UDP reply without EDNS: longer ones are truncated, for the client to ask over TCP. */
const UDP_LIMIT = 512;
const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4 } as const;
const QR = 0x8000;

/**
 * A DNS server over UDP and TCP on one port of one or more addresses: questions for names in the table
 * are answered (authoritatively), every other one is forwarded as it came to the upstream resolvers.
 */
export class DnsServer {
  private readonly sockets = new Map<string, { udp: dgram.Socket; tcp: net.Server }>();
  private readonly connections = new Set<net.Socket>();

  constructor(private readonly options: DnsServerOptions) {}

  /** Binds UDP and TCP on `host:port` (`port` 0: a free port, the same for both); returns the port. */
  async listen(host: string, port: number): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      const udp = dgram.createSocket({ type: net.isIPv6(host) ? 'udp6' : 'udp4' });
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind(port, host, () => {
          udp.off('error', reject);
          resolve();
        });
      });
      const bound = udp.address().port;
      const tcp = net.createServer((socket) => this.serveTcp(socket));
      try {
        await new Promise<void>((resolve, reject) => {
          tcp.once('error', reject);
          tcp.listen(bound, host, () => {
            tcp.off('error', reject);
            resolve();
          });
        });
      } catch (error) {
        udp.close();
        // A free UDP port whose TCP twin is taken: try another, when any port would do.
        if (port === 0 && (error as NodeJS.ErrnoException).code === 'EADDRINUSE' && attempt < 5) continue;
        throw error;
      }
      udp.on('message', (message, remote) => this.serveUdp(udp, message, remote));
      udp.on('error', (error) => this.options.onError?.(error));
      this.sockets.set(host, { udp, tcp });
      return bound;
    }
  }

  isListening(host: string): boolean {
    return this.sockets.has(host);
  }

  addresses(): string[] {
    return [...this.sockets.keys()];
  }

  async close(): Promise<void> {
    const all = [...this.sockets.values()];
    this.sockets.clear();
    for (const connection of this.connections) connection.destroy();
    await Promise.all(
      all.map(
        ({ udp, tcp }) =>
          new Promise<void>((resolve) => {
            udp.close();
            tcp.close(() => resolve());
          }),
      ),
    );
  }

  /** The reply to one query's bytes, or undefined when it is not worth one (not even a DNS header). */
  async reply(query: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer | undefined> {
    let packet: dnsPacket.DecodedPacket;
    try {
      packet = dnsPacket.decode(query);
    } catch {
      return query.length >= 12 ? header(query.readUInt16BE(0), query.readUInt16BE(2), RCODE.FORMERR) : undefined;
    }
    const flags = packet.flags ?? 0;
    if (packet.type !== 'query') return undefined;
    const question = packet.questions?.[0];
    if (!question || packet.questions!.length !== 1) return header(packet.id ?? 0, flags, RCODE.FORMERR);
    // Only standard queries (opcode 0) are answered; the table has nothing for the others.
    if ((flags >> 11) & 0xf) return header(packet.id ?? 0, flags, RCODE.NOTIMP);

    const reply = this.options.answerer.answer(question);
    if (reply.kind === 'forward') {
      const forwarded = await forwardQuery(query, this.options.upstreams(), this.options.forwardTimeoutMs ?? 2_000);
      return forwarded ?? header(packet.id ?? 0, flags, RCODE.SERVFAIL);
    }
    const rcode = reply.kind === 'nxdomain' ? RCODE.NXDOMAIN : RCODE.NOERROR;
    const response: dnsPacket.Packet = {
      type: 'response',
      id: packet.id,
      flags:
        dnsPacket.AUTHORITATIVE_ANSWER | dnsPacket.RECURSION_AVAILABLE | (flags & dnsPacket.RECURSION_DESIRED) | rcode,
      questions: [question],
      answers: reply.kind === 'answer' ? reply.answers : [],
      additionals: reply.kind === 'answer' ? reply.additionals : [],
    };
    const encoded = dnsPacket.encode(response);
    if (transport === 'udp' && encoded.length > UDP_LIMIT) {
      return dnsPacket.encode({
        ...response,
        flags: response.flags! | dnsPacket.TRUNCATED_RESPONSE,
        answers: [],
        additionals: [],
      });
    }
    return encoded;
  }

  private serveUdp(socket: dgram.Socket, message: Buffer, remote: dgram.RemoteInfo): void {
    this.reply(message, 'udp').then(
      (answer) => answer && socket.send(answer, remote.port, remote.address),
      (error: unknown) => this.options.onError?.(error),
    );
  }

  /** DNS over TCP: each message is preceded by its length (2 bytes); several may share a connection. */
  private serveTcp(socket: net.Socket): void {
    this.connections.add(socket);
    socket.on('close', () => this.connections.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.setTimeout(10_000, () => socket.destroy());
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2) {
        const length = buffered.readUInt16BE(0);
        if (buffered.length < 2 + length) break;
        const message = buffered.subarray(2, 2 + length);
        buffered = buffered.subarray(2 + length);
        this.reply(Buffer.from(message), 'tcp').then(
          (answer) => {
            if (!answer || socket.destroyed) return;
            const prefix = Buffer.alloc(2);
            prefix.writeUInt16BE(answer.length);
            socket.write(Buffer.concat([prefix, answer]));
          },
          (error: unknown) => this.options.onError?.(error),
        );
      }
    });
  }
}

/** A reply with no sections: the query's id, QR set, its RD bit kept, and `rcode`. */
function header(id: number, queryFlags: number, rcode: number): Buffer {
  const buffer = Buffer.alloc(12);
  buffer.writeUInt16BE(id, 0);
  buffer.writeUInt16BE(QR | (queryFlags & 0x7800) | (queryFlags & dnsPacket.RECURSION_DESIRED) | 0x80 | rcode, 2);
  return buffer;
}
