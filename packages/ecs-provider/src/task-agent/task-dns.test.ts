import { createLogger } from '@localcloud/gateway';
import { LocalDns } from '@localcloud/local-dns';
import { TaskDns } from './task-dns';

const logger = createLogger('error');

describe('TaskDns', () => {
  let dns: LocalDns;
  beforeEach(() => {
    dns = new LocalDns({ port: 0, upstreams: () => [] });
  });
  afterEach(() => dns.stop());

  const taskDns = (enabled: boolean, candidates: string[]) =>
    new TaskDns({ enabled, dns: () => dns, candidates: async () => candidates, logger });

  it('gives tasks nothing while the name table is empty, or when LOCALCLOUD_DNS=0', async () => {
    expect(await taskDns(true, ['127.0.0.1']).serversFor('bridge')).toBeUndefined();
    expect(dns.addresses()).toEqual([]);
    dns.table.publish('o', { zones: ['ns.test'] });
    expect(await taskDns(false, ['127.0.0.1']).serversFor('bridge')).toBeUndefined();
    expect(dns.addresses()).toEqual([]);
  });

  it('gives a task that expects names (Service Connect, Cloud Map) the local DNS while the table is empty', async () => {
    const taskDnsOn = taskDns(true, ['127.0.0.1']);
    expect(await taskDnsOn.serversFor('bridge')).toBeUndefined();
    expect(await taskDnsOn.serversFor('bridge', true)).toEqual(['127.0.0.1']);
    expect(dns.addresses()).toEqual(['127.0.0.1']);
    expect(await taskDns(false, ['127.0.0.1']).serversFor('other', true)).toBeUndefined();
  });

  it('serves on the first candidate address this process owns, and gives tasks that one', async () => {
    dns.table.publish('o', { zones: ['ns.test'] });
    // 192.0.2.1 (TEST-NET) is no address of this host: skipped.
    expect(await taskDns(true, ['192.0.2.1', '127.0.0.1']).serversFor('bridge')).toEqual(['127.0.0.1']);
    expect(dns.addresses()).toEqual(['127.0.0.1']);
    expect(await taskDns(true, ['192.0.2.1']).serversFor('other')).toBeUndefined();
  });

  it('watch serves the given networks once something is published, before any task asks', async () => {
    const asked: string[] = [];
    const watcher = new TaskDns({
      enabled: true,
      dns: () => dns,
      candidates: async (network) => (asked.push(network), ['127.0.0.1']),
      logger,
    });
    const off = watcher.watch(['bridge']);
    expect(asked).toEqual([]);
    dns.table.publish('o', { zones: ['ns.test'] });
    await new Promise<void>((resolve) => {
      const poll = () => (dns.addresses().length > 0 ? resolve() : setTimeout(poll, 10));
      poll();
    });
    expect(dns.addresses()).toEqual(['127.0.0.1']);
    // Served once: later changes and tasks reuse the outcome.
    dns.table.publish('p', { zones: ['other.test'] });
    expect(await watcher.serversFor('bridge')).toEqual(['127.0.0.1']);
    expect(asked).toEqual(['bridge']);
    off();
  });

  it('watch serves at once, with nothing published, when a re-adopted task expects names', async () => {
    const off = taskDns(true, ['127.0.0.1']).watch(['bridge'], true);
    await new Promise<void>((resolve) => {
      const poll = () => (dns.addresses().length > 0 ? resolve() : setTimeout(poll, 10));
      poll();
    });
    expect(dns.table.isEmpty()).toBe(true);
    expect(dns.addresses()).toEqual(['127.0.0.1']);
    off();
  });

  it('looks again at a network that had no address yet (created with the first task)', async () => {
    dns.table.publish('o', { zones: ['ns.test'] });
    let exists = false;
    const later = new TaskDns({
      enabled: true,
      dns: () => dns,
      candidates: async () => (exists ? ['127.0.0.1'] : []),
      logger,
    });
    expect(await later.serversFor('tasks')).toBeUndefined();
    exists = true;
    expect(await later.serversFor('tasks')).toEqual(['127.0.0.1']);
  });
});
