import dgram from 'node:dgram';
import { createLogger } from '@localcloud/gateway';
import { answerData, queryTcp, queryUdp } from './testing';
import { LocalDns } from './shared';
import { parseResolvConf } from './upstream';

const logger = createLogger('error');
const HOST = '127.0.0.1';

/** Two local DNS servers on free ports: `upstream` plays the host's resolver for `dns`. */
async function servers(options: { forwardTimeoutMs?: number; upstreamPort?: number } = {}) {
  const upstream = new LocalDns({ port: 0, upstreams: () => [] });
  expect(await upstream.serveOn(HOST, logger)).toBe(true);
  const upstreamPort = options.upstreamPort ?? upstream.servedPort!;
  const dns = new LocalDns({
    port: 0,
    upstreams: () => [{ host: HOST, port: upstreamPort }],
    forwardTimeoutMs: options.forwardTimeoutMs,
  });
  expect(await dns.serveOn(HOST, logger)).toBe(true);
  return { dns, upstream, port: dns.servedPort!, close: () => Promise.all([dns.stop(), upstream.stop()]) };
}

describe('the local DNS server, over real sockets', () => {
  test('A records over UDP and TCP, authoritative, rotated per query', async () => {
    const { dns, port, close } = await servers();
    try {
      dns.table.publish('o', {
        names: { 'api.internal.local': { a: { addresses: ['10.0.0.1', '10.0.0.2', '10.0.0.3'], ttl: 60 } } },
      });
      const first = await queryUdp(HOST, port, 'api.internal.local');
      expect(first.rcode).toBe('NOERROR');
      expect(first.flag_aa).toBe(true);
      expect((first.answers![0] as { ttl?: number }).ttl).toBe(60);
      expect(answerData(first)).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3']);
      // An AAAA question between (resolvers ask both) does not move A's rotation.
      expect(answerData(await queryUdp(HOST, port, 'api.internal.local', 'AAAA'))).toEqual([]);
      expect(answerData(await queryTcp(HOST, port, 'API.internal.local'))).toEqual([
        '10.0.0.2',
        '10.0.0.3',
        '10.0.0.1',
      ]);
      expect(answerData(await queryUdp(HOST, port, 'api.internal.local'))).toEqual([
        '10.0.0.3',
        '10.0.0.1',
        '10.0.0.2',
      ]);
    } finally {
      await close();
    }
  });

  test('multivalue answers at most 8; one answers a single value', async () => {
    const { dns, port, close } = await servers();
    try {
      const addresses = Array.from({ length: 10 }, (_, i) => `10.0.1.${i + 1}`);
      dns.table.publish('o', {
        names: {
          'many.ns.local': { a: { addresses, ttl: 10 }, routing: 'multivalue' },
          'one.ns.local': { a: { addresses, ttl: 10 }, routing: 'one' },
        },
      });
      expect(answerData(await queryUdp(HOST, port, 'many.ns.local'))).toHaveLength(8);
      const seen = new Set<unknown>();
      for (let i = 0; i < 20; i++) {
        const answer = answerData(await queryUdp(HOST, port, 'one.ns.local'));
        expect(answer).toHaveLength(1);
        seen.add(answer[0]);
      }
      // Random: 20 draws from 10 all landing on one value has probability 10^-19.
      expect(seen.size).toBeGreaterThan(1);
    } finally {
      await close();
    }
  });

  test('SRV answers carry their targets’ A records as additional records', async () => {
    const { dns, port, close } = await servers();
    try {
      dns.table.publish('o', {
        names: {
          'api.ns.local': {
            srv: { targets: [{ priority: 1, weight: 1, port: 8080, target: 'i-1.api.ns.local' }], ttl: 30 },
            a: { addresses: ['10.0.0.7'], ttl: 30 },
          },
          'i-1.api.ns.local': { a: { addresses: ['10.0.0.7'], ttl: 30 } },
        },
      });
      const reply = await queryUdp(HOST, port, 'api.ns.local', 'SRV');
      expect(answerData(reply, 'SRV')).toEqual([{ priority: 1, weight: 1, port: 8080, target: 'i-1.api.ns.local' }]);
      expect(reply.additionals!.map((a) => [a.name, a.type, (a as { data: unknown }).data])).toEqual([
        ['i-1.api.ns.local', 'A', '10.0.0.7'],
      ]);
    } finally {
      await close();
    }
  });

  test('unknown names in a zone are NXDOMAIN, other types of a known name NOERROR without answers', async () => {
    const { dns, port, close } = await servers();
    try {
      dns.table.publish('o', {
        zones: ['ns.local'],
        names: { 'api.ns.local': { a: { addresses: ['10.0.0.1'], ttl: 5 } } },
      });
      const missing = await queryUdp(HOST, port, 'nothing.ns.local');
      expect(missing.rcode).toBe('NXDOMAIN');
      expect(missing.flag_aa).toBe(true);
      const aaaa = await queryUdp(HOST, port, 'api.ns.local', 'AAAA');
      expect(aaaa.rcode).toBe('NOERROR');
      expect(aaaa.answers).toEqual([]);
      dns.table.withdraw('o');
      // Withdrawn: no longer ours, so forwarded (the upstream knows nothing of it either).
      expect((await queryUdp(HOST, port, 'nothing.ns.local')).rcode).toBe('SERVFAIL');
    } finally {
      await close();
    }
  });

  test('other names are forwarded to the upstream and its answer relayed, over UDP and TCP', async () => {
    const { upstream, port, close } = await servers();
    try {
      upstream.table.publish('o', { names: { 'example.org': { a: { addresses: ['192.0.2.10'], ttl: 300 } } } });
      const udp = await queryUdp(HOST, port, 'example.org');
      expect(answerData(udp)).toEqual(['192.0.2.10']);
      expect(answerData(await queryTcp(HOST, port, 'example.org'))).toEqual(['192.0.2.10']);
    } finally {
      await close();
    }
  });

  test('an upstream that never answers gives SERVFAIL after the timeout', async () => {
    // A bound UDP socket that reads and never replies.
    const silent = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, HOST, resolve));
    const { port, close } = await servers({ forwardTimeoutMs: 200, upstreamPort: silent.address().port });
    try {
      const reply = await queryUdp(HOST, port, 'example.org');
      expect(reply.rcode).toBe('SERVFAIL');
    } finally {
      silent.close();
      await close();
    }
  });

  test('a port it cannot bind is reported false, never thrown', async () => {
    const taken = new LocalDns({ port: 0, upstreams: () => [] });
    expect(await taken.serveOn(HOST, logger)).toBe(true);
    const second = new LocalDns({ port: taken.servedPort!, upstreams: () => [] });
    try {
      expect(await second.serveOn(HOST, logger)).toBe(false);
      // Not an address of this host.
      expect(await second.serveOn('192.0.2.1', logger)).toBe(false);
    } finally {
      await Promise.all([taken.stop(), second.stop()]);
    }
  });

  test('garbage does not stop the server: a short packet is ignored and the server keeps answering', async () => {
    const { dns, port, close } = await servers();
    try {
      dns.table.publish('o', { names: { x: { a: { addresses: ['10.0.0.1'], ttl: 5 } } } });
      const socket = dgram.createSocket('udp4');
      await new Promise<void>((resolve) => socket.send(Buffer.from([1, 2, 3]), port, HOST, () => resolve()));
      socket.close();
      expect(answerData(await queryUdp(HOST, port, 'x'))).toEqual(['10.0.0.1']);
    } finally {
      await close();
    }
  });
});

test('parseResolvConf reads nameserver lines only', () => {
  expect(
    parseResolvConf(
      '# comment\nsearch example.com\nnameserver 10.0.0.2\nnameserver  ::1\nnameserver bogus\noptions ndots:0\n',
    ),
  ).toEqual(['10.0.0.2', '::1']);
});
