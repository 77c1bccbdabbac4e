import os from 'node:os';
import net from 'node:net';

type Interfaces = ReturnType<typeof os.networkInterfaces>;

export interface AddressRange {
  /** CIDR, e.g. `172.17.0.0/16`. */
  readonly subnet: string;
  readonly gateway?: string;
}

/**
 * Where containers on a Docker network can reach this process: on the Docker host, the network's
 * gateway (the bridge's own address; the default bridge's is not in its IPAM data, so the subnet's first
 * address, Docker's default); inside a container, the container's own addresses on the network. Only
 * candidates: an address that is not this host's fails to bind (EADDRNOTAVAIL) and is skipped. A
 * bridge without containers is down and missing from `os.networkInterfaces()`, hence the gateways.
 * Machines elsewhere on the LAN have no route to any of these.
 */
export function addressesOn(
  ranges: readonly AddressRange[],
  interfaces: Interfaces = os.networkInterfaces(),
): string[] {
  const found = new Set<string>();
  const parsed = ranges.map((range) => ({ range, cidr: parseCidr(range.subnet) }));
  for (const { range, cidr } of parsed) {
    if (range.gateway && net.isIPv4(range.gateway)) found.add(range.gateway);
    else if (cidr && cidr.mask !== 0xffffffff) found.add(numberToIpv4(cidr.base + 1));
  }
  for (const entries of Object.values(interfaces)) {
    for (const entry of entries ?? []) {
      if (entry.family !== 'IPv4' || entry.internal) continue;
      const value = ipv4ToNumber(entry.address);
      if (parsed.some(({ cidr }) => cidr && (value & cidr.mask) >>> 0 === cidr.base)) found.add(entry.address);
    }
  }
  return [...found];
}

function parseCidr(cidr: string): { base: number; mask: number } | undefined {
  const [address, bits] = cidr.split('/');
  const prefix = Number(bits);
  if (!address || !net.isIPv4(address) || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) return undefined;
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { base: (ipv4ToNumber(address) & mask) >>> 0, mask };
}

function ipv4ToNumber(address: string): number {
  return address.split('.').reduce((value, part) => ((value << 8) | Number(part)) >>> 0, 0);
}

function numberToIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 0xff).join('.');
}
