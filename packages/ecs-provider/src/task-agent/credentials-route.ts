import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import which from 'which';

const run = promisify(execFile);

/** The link-local address AWS SDKs fetch container credentials from. */
export const CREDENTIALS_ADDRESS = '169.254.170.2';

/**
 * Makes 169.254.170.2:80 reach the task agent from inside one task's network namespace: a DNAT rule in
 * that namespace's own `nat OUTPUT` chain (entered with `nsenter`), so the host's routing and firewall
 * are not changed and the rule disappears with the namespace. Needs root, `nsenter` and `iptables` on the
 * host; `available()` says whether they are there.
 */
export class CredentialsRoute {
  private readonly tools?: { nsenter: string; iptables: string };

  constructor() {
    const nsenter = findCommand('nsenter');
    const iptables = findCommand('iptables');
    const root = typeof process.getuid === 'function' && process.getuid() === 0;
    if (root && nsenter && iptables) this.tools = { nsenter, iptables };
  }

  available(): boolean {
    return this.tools !== undefined;
  }

  /** Routes the address to `target` in the network namespace of process `pid`. */
  async install(pid: number, target: { host: string; port: number }): Promise<void> {
    if (!this.tools) throw new Error('routing 169.254.170.2 needs root, nsenter and iptables on the host');
    const rule = [
      '-d',
      `${CREDENTIALS_ADDRESS}/32`,
      '-p',
      'tcp',
      '--dport',
      '80',
      '-j',
      'DNAT',
      '--to-destination',
      `${target.host}:${target.port}`,
    ];
    const args = ['-t', String(pid), '-n', this.tools.iptables, '-w', '-t', 'nat'];
    // Idempotent: a re-adopted or restarted task keeps a single rule.
    const exists = await run(this.tools.nsenter, [...args, '-C', 'OUTPUT', ...rule]).then(
      () => true,
      () => false,
    );
    if (!exists) await run(this.tools.nsenter, [...args, '-A', 'OUTPUT', ...rule]);
  }
}

/**
 * The executable file `command` names on `searchPath`, then in the sbin and bin folders, which a root
 * service's PATH may lack. Empty PATH entries (the working directory) are skipped: these run as root.
 */
export function findCommand(command: string, searchPath = process.env.PATH ?? ''): string | undefined {
  const dirs = [...searchPath.split(path.delimiter).filter(Boolean), '/usr/sbin', '/sbin', '/usr/bin', '/bin'];
  return which.sync(command, { path: dirs.join(path.delimiter), nothrow: true }) ?? undefined;
}
