import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import net from 'node:net';

/** The `nameserver` addresses of a resolv.conf, in order (IPv4 and IPv6 alike). */
export function parseResolvConf(text: string): string[] {
  const servers: string[] = [];
  for (const line of text.split('\n')) {
    const match = /^\s*nameserver\s+(\S+)/.exec(line);
    // A scoped IPv6 address (`fe80::1%eth0`) keeps its zone for the socket.
    if (match && net.isIP(match[1]!.split('%')[0]!)) servers.push(match[1]!);
  }
  return servers;
}

/** The host's resolvers, as its own programs use them. */
export function hostResolvers(path = '/etc/resolv.conf'): string[] {
  try {
    return parseResolvConf(readFileSync(path, 'utf8'));
  } catch {
    return [];
  }
}

export interface Upstream {
  readonly host: string;
  readonly port: number;
}

/**
 * Sends a query's raw bytes to each upstream in turn over UDP and returns the first reply whose id
 * matches, or undefined when none answers within `timeoutMs` each (the caller answers SERVFAIL).
 */
export async function forwardQuery(
  query: Buffer,
  upstreams: readonly Upstream[],
  timeoutMs: number,
): Promise<Buffer | undefined> {
  for (const upstream of upstreams) {
    const reply = await askOne(query, upstream, timeoutMs).catch(() => undefined);
    if (reply) return reply;
  }
  return undefined;
}

function askOne(query: Buffer, upstream: Upstream, timeoutMs: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket(net.isIPv6(upstream.host.split('%')[0]!) ? 'udp6' : 'udp4');
    const done = (reply: Buffer | undefined) => {
      clearTimeout(timer);
      socket.close();
      resolve(reply);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    socket.on('error', () => done(undefined));
    socket.on('message', (reply) => {
      // A late reply to some other query on a reused port must not be taken for this one.
      if (reply.length >= 2 && reply.readUInt16BE(0) === query.readUInt16BE(0)) done(reply);
    });
    socket.send(query, upstream.port, upstream.host, (error) => error && done(undefined));
  });
}
