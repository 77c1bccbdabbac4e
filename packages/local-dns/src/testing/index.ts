import dgram from 'node:dgram';
import net from 'node:net';
import * as dnsPacket from 'dns-packet';

let nextId = 1;

/** A decoded reply; dns-packet decodes the rcode, which its types leave out. */
export type DnsReply = dnsPacket.DecodedPacket & { readonly rcode: string };

/** One query over UDP to `host:port`; rejects after `timeoutMs` without a reply. */
export function queryUdp(
  host: string,
  port: number,
  name: string,
  type: dnsPacket.RecordType = 'A',
  timeoutMs = 5_000,
): Promise<DnsReply> {
  const id = nextId++ & 0xffff;
  const query = dnsPacket.encode({
    type: 'query',
    id,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type, name }],
  });
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`no DNS reply from ${host}:${port} for ${name} ${type}`));
    }, timeoutMs);
    socket.on('message', (message) => {
      const packet = dnsPacket.decode(message);
      if (packet.id !== id) return;
      clearTimeout(timer);
      socket.close();
      resolve(packet as DnsReply);
    });
    socket.send(query, port, host);
  });
}

/** One query over TCP (length-prefixed) to `host:port`. */
export function queryTcp(
  host: string,
  port: number,
  name: string,
  type: dnsPacket.RecordType = 'A',
): Promise<DnsReply> {
  const id = nextId++ & 0xffff;
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, host);
    let buffered = Buffer.alloc(0);
    socket.on('error', reject);
    socket.on('connect', () =>
      socket.write(
        dnsPacket.streamEncode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name }] }),
      ),
    );
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length < 2 || buffered.length < 2 + buffered.readUInt16BE(0)) return;
      socket.end();
      resolve(dnsPacket.decode(buffered.subarray(2, 2 + buffered.readUInt16BE(0))) as DnsReply);
    });
  });
}

/** The data of a reply's answers of `type`, in order. */
export function answerData(packet: dnsPacket.Packet, type: dnsPacket.RecordType = 'A'): unknown[] {
  return (packet.answers ?? []).filter((a) => a.type === type).map((a) => (a as { data: unknown }).data);
}
