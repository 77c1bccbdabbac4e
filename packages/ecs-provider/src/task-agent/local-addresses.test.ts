import type os from 'node:os';
import { addressesOn } from './local-addresses';

type Interfaces = ReturnType<typeof os.networkInterfaces>;

const entry = (address: string, family: 'IPv4' | 'IPv6' = 'IPv4', internal = false) =>
  ({ address, family, internal, netmask: '', mac: '', cidr: null }) as unknown as os.NetworkInterfaceInfo;

// A Docker host as Node lists it: bridges without containers are down, so missing.
const host: Interfaces = {
  lo: [entry('127.0.0.1', 'IPv4', true)],
  eth0: [entry('192.168.1.20'), entry('fe80::1', 'IPv6')],
};

describe('addressesOn', () => {
  it("gives a network's gateway, or its subnet's first address when the engine names none (the default bridge)", () => {
    expect(addressesOn([{ subnet: '172.18.0.0/16', gateway: '172.18.0.1' }], host)).toEqual(['172.18.0.1']);
    expect(addressesOn([{ subnet: '172.17.0.0/16' }], host)).toEqual(['172.17.0.1']);
  });

  it("inside a container, adds the container's own address on the network", () => {
    const container: Interfaces = { lo: host.lo, eth0: [entry('172.20.0.5')] };
    expect(addressesOn([{ subnet: '172.20.0.0/16', gateway: '172.20.0.1' }], container)).toEqual([
      '172.20.0.1',
      '172.20.0.5',
    ]);
  });

  it("leaves out addresses on other networks (the LAN's) and loopback, and ranges that are not IPv4", () => {
    expect(addressesOn([{ subnet: '172.18.0.0/16', gateway: '172.18.0.1' }], host)).not.toContain('192.168.1.20');
    expect(addressesOn([{ subnet: '127.0.0.0/8', gateway: '127.0.0.2' }], host)).toEqual(['127.0.0.2']);
    expect(addressesOn([{ subnet: 'fd00::/64', gateway: 'fd00::1' }, { subnet: 'nonsense' }], host)).toEqual([]);
  });
});
