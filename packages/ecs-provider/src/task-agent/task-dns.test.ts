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

  it('serves on the first candidate address this process owns, and gives tasks that one', async () => {
    dns.table.publish('o', { zones: ['ns.test'] });
    // 192.0.2.1 (TEST-NET) is no address of this host: skipped.
    expect(await taskDns(true, ['192.0.2.1', '127.0.0.1']).serversFor('bridge')).toEqual(['127.0.0.1']);
    expect(dns.addresses()).toEqual(['127.0.0.1']);
    expect(await taskDns(true, ['192.0.2.1']).serversFor('other')).toBeUndefined();
  });
});
