import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import bcrypt from 'bcryptjs';

/**
 * A second, private registry for the tests: the same Distribution binary, on a TCP port with htpasswd basic
 * auth (the bcrypt line written with bcryptjs, so no apache2-utils is needed), as a private registry that
 * `repositoryCredentials` logs in to.
 */
export class BasicAuthRegistry {
  private readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-ecr-private-'));
  private child: ChildProcess | undefined;
  /** `localhost:<port>` */
  host = '';

  constructor(
    private readonly binary: string,
    readonly username: string,
    readonly password: string,
  ) {}

  async start(): Promise<void> {
    const port = await freePort();
    this.host = `localhost:${port}`;
    fs.writeFileSync(path.join(this.dir, 'htpasswd'), `${this.username}:${bcrypt.hashSync(this.password, 5)}\n`);
    fs.writeFileSync(
      path.join(this.dir, 'config.yml'),
      JSON.stringify({
        version: 0.1,
        log: { level: 'warn', accesslog: { disabled: true } },
        storage: { filesystem: { rootdirectory: path.join(this.dir, 'storage') } },
        http: { addr: `127.0.0.1:${port}` },
        auth: { htpasswd: { realm: 'localcloud-test', path: path.join(this.dir, 'htpasswd') } },
      }),
    );
    this.child = spawn(this.binary, ['serve', path.join(this.dir, 'config.yml')], { stdio: 'ignore' });
    // Up when /v2/ asks for credentials.
    for (let i = 0; ; i++) {
      if ((await status(port)) === 401) return;
      if (this.child.exitCode !== null || i > 400) throw new Error('the private test registry did not start');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function status(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const request = http.get({ host: '127.0.0.1', port, path: '/v2/' }, (response) => {
      response.resume();
      resolve(response.statusCode);
    });
    request.on('error', () => resolve(undefined));
  });
}
