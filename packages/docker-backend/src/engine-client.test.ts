import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inspect, promisify } from 'node:util';
import { DockerodeBackend } from './dockerode-backend';
import { createDockerode } from './engine-client';

const run = promisify(execFile);

interface ModemView {
  socketPath?: unknown;
  host?: string;
  port?: string | number;
  protocol?: string;
  username?: string;
  ca?: unknown;
  cert?: Buffer;
  key?: Buffer;
}
const modemOf = (env: Record<string, string>) => createDockerode({ env }).modem as ModemView;

let dir: string;
beforeAll(async () => (dir = await mkdtemp(path.join(tmpdir(), 'engine-client-'))));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('an engine found in an environment, as the docker CLI finds it', () => {
  test('tcp:// with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH is https with the CA and client key pair', async () => {
    const certs = path.join(dir, 'fields');
    await mkdir(certs, { recursive: true });
    const pem = (label: string) => `-----BEGIN ${label}-----\nAAAA\n-----END ${label}-----\n`;
    await writeFile(path.join(certs, 'ca.pem'), pem('CERTIFICATE'));
    await writeFile(path.join(certs, 'cert.pem'), pem('CERTIFICATE'));
    await writeFile(path.join(certs, 'key.pem'), pem('PRIVATE KEY'));

    const modem = modemOf({
      DOCKER_HOST: 'tcp://engine.example:2376',
      DOCKER_TLS_VERIFY: '1',
      DOCKER_CERT_PATH: certs,
    });

    expect(modem).toMatchObject({ protocol: 'https', host: 'engine.example', port: '2376' });
    expect(modem.ca).toEqual([pem('CERTIFICATE').trimEnd()]);
    expect(modem.cert?.toString()).toBe(pem('CERTIFICATE'));
    expect(modem.key?.toString()).toBe(pem('PRIVATE KEY'));
  });

  test('tcp://host without a port dials 2375, like the docker CLI', () => {
    expect(modemOf({ DOCKER_HOST: 'tcp://engine.example' })).toMatchObject({
      protocol: 'http',
      host: 'engine.example',
      port: 2375,
    });
  });

  test('ssh://user@host goes over ssh', () => {
    expect(modemOf({ DOCKER_HOST: 'ssh://deploy@engine.example' })).toMatchObject({
      protocol: 'ssh',
      host: 'engine.example',
      username: 'deploy',
    });
  });

  test('unix:// is that socket, and the given environment wins over process.env', () => {
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = 'tcp://elsewhere.example:2375';
    try {
      const modem = modemOf({ DOCKER_HOST: 'unix:///run/other/docker.sock' });
      expect(modem).toMatchObject({ socketPath: '/run/other/docker.sock', host: undefined });
      expect(process.env.DOCKER_HOST).toBe('tcp://elsewhere.example:2375');
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  });

  test('a unix socket engine is reached with no server name to work out; tcp:// keeps the default agent', async () => {
    const socket = path.join(dir, 'engine.sock');
    const engine = http.createServer((_req, res) => res.end('OK'));
    await new Promise<void>((resolve) => engine.listen(socket, resolve));
    try {
      const docker = createDockerode({ socketPath: socket });
      const agent = (docker.modem as { agent?: http.Agent }).agent as http.Agent;
      expect(agent).toBeInstanceOf(http.Agent);
      // What Node hands the connection: without a server name in the agent's options it works one out
      // (`localhost` from the Host header), which is the cost this agent avoids.
      const servernames: unknown[] = [];
      const create = agent.createConnection.bind(agent);
      agent.createConnection = ((options: { servername?: string }, callback: never) => {
        servernames.push(options.servername);
        return create(options as never, callback);
      }) as typeof agent.createConnection;
      await expect(docker.ping()).resolves.toBeDefined();
      expect(servernames).toEqual(['']);
      expect(createDockerode({ socketPath: socket }).modem).toHaveProperty('agent', agent);
      // docker-modem formats every request's options for its debug log: the agent is not walked.
      expect(inspect({ agent }, { showHidden: true, depth: null })).toBe('{ agent: UnixSocketAgent }');
    } finally {
      await new Promise((resolve) => engine.close(resolve));
    }
    expect(createDockerode({ host: '127.0.0.1', port: 2375 }).modem).toHaveProperty('agent', undefined);
    expect(modemOf({ DOCKER_HOST: 'ssh://deploy@engine.example' })).toHaveProperty('agent', undefined);
  });

  test('the backend speaks mutual TLS to an engine named by DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH', async () => {
    const certs = path.join(dir, 'tls');
    await makeCertificates(certs);
    const read = (name: string) => readFile(path.join(certs, name));
    // A stand-in engine that, like dockerd with --tlsverify, answers only clients with a certificate of its CA.
    const server: Server = createServer(
      {
        ca: await read('ca.pem'),
        cert: await read('server-cert.pem'),
        key: await read('server-key.pem'),
        requestCert: true,
        rejectUnauthorized: true,
      },
      (_req, res) => res.end(JSON.stringify({ Version: 'tls-engine', ApiVersion: '1.41', Os: 'linux', Arch: 'x' })),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const backend = new DockerodeBackend({
        env: { DOCKER_HOST: `tcp://127.0.0.1:${port}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs },
      });
      await expect(backend.version()).resolves.toMatchObject({ version: 'tls-engine' });
      await backend.close();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

/** A CA, a server certificate for 127.0.0.1 and a client certificate, named as DOCKER_CERT_PATH expects. */
async function makeCertificates(certs: string): Promise<void> {
  await mkdir(certs, { recursive: true });
  const openssl = (...args: string[]) => run('openssl', args, { cwd: certs });
  await openssl(
    ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=test-ca'],
    ...['-keyout', 'ca-key.pem', '-out', 'ca.pem'],
  );
  for (const [name, extension] of [
    ['server', 'subjectAltName=IP:127.0.0.1'],
    ['client', 'extendedKeyUsage=clientAuth'],
  ] as const) {
    const key = name === 'client' ? 'key.pem' : `${name}-key.pem`;
    const cert = name === 'client' ? 'cert.pem' : `${name}-cert.pem`;
    await openssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      key,
      '-out',
      `${name}.csr`,
    );
    await writeFile(path.join(certs, `${name}.ext`), `${extension}\n`);
    await openssl(
      ...['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial'],
      ...['-days', '1', '-extfile', `${name}.ext`, '-out', cert],
    );
  }
}
