import http from 'node:http';
import { pipeline } from 'node:stream';
import type { ProviderContext } from '@localcloud/gateway';

type Logger = ProviderContext['logger'];
import type { AuthTokens, TokenScope } from '../auth-tokens';

/** A registry request for one repository, as the front sees it. */
export interface RepositoryAccess {
  /** The caller's token scope. */
  readonly caller: TokenScope;
  /** From the path `/v2/<account>/<region>/<repository>/…`. */
  readonly accountId: string;
  readonly region: string;
  readonly repositoryName: string;
  readonly method: string;
  /** `manifests`, `blobs` or `tags`. */
  readonly kind: string;
  /** The tag or digest of a manifest request. */
  readonly reference?: string;
}

/** A refusal in the registry's own error format (the docker CLI prints `<code lowercased>: <message>`). */
export interface Refusal {
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

/** What the front asks the provider: ECR's rules, which the registry does not know. */
export interface RegistryGate {
  /** Undefined to let the request through, else why not. */
  check(access: RepositoryAccess): Refusal | undefined | Promise<Refusal | undefined>;
  /** A manifest was stored (a push); the client's answer waits for it (the lifecycle policy is applied). */
  manifestPushed(access: RepositoryAccess, digest: string): void | Promise<void>;
}

const NAME_PATH = /^\/v2\/([0-9]{12})\/([a-z0-9-]+)\/(.+)\/(manifests|blobs|tags)(?:\/(.*))?$/;

/**
 * The registry's only door: checks `Authorization: Basic AWS:<token>` (answering the `Basic` challenge,
 * so `docker login` and the daemon send credentials), ECR's rules (the repository exists, the token's
 * account and region own it, immutable tags), then streams the request to the registry and back.
 */
export class AuthFront {
  private server: http.Server | undefined;

  constructor(
    private readonly options: {
      readonly tokens: AuthTokens;
      readonly gate: RegistryGate;
      /** The registry's socket, once it runs (started on the first request that needs it). */
      readonly registrySocket: () => Promise<string | undefined>;
      readonly logger: Logger;
      readonly clock: () => number;
    },
  ) {}

  async listen(host: string, port: number): Promise<number> {
    const server = http.createServer((request, response) => {
      this.serve(request, response).catch((error: Error) => {
        this.options.logger.error(`ecr registry front: ${error.stack ?? error.message}`);
        if (!response.headersSent) refuse(response, { status: 500, code: 'UNKNOWN', message: 'internal error' });
        else response.destroy();
      });
    });
    // Blob uploads can take long; the engine keeps connections alive between requests.
    server.requestTimeout = 0;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    return (server.address() as { port: number }).port;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async serve(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://front');
    if (!url.pathname.startsWith('/v2')) {
      return refuse(response, { status: 404, code: 'NOT_FOUND', message: 'not a registry path' });
    }
    const caller = this.authenticate(request);
    if ('refused' in caller) {
      response.setHeader('WWW-Authenticate', 'Basic realm="localcloud ECR"');
      return refuse(response, { status: 401, code: 'UNAUTHORIZED', message: caller.refused });
    }
    if (url.pathname === '/v2/' || url.pathname === '/v2') return this.forward(request, response, url);
    const match = NAME_PATH.exec(url.pathname);
    if (!match) {
      // `_catalog` and paths outside `<account>/<region>/<repository>` are not part of ECR's registry API.
      return refuse(response, { status: 404, code: 'NAME_UNKNOWN', message: `no ECR repository in ${url.pathname}` });
    }
    const [, accountId, region, repositoryName, kind, rest] = match as unknown as string[];
    const access: RepositoryAccess = {
      caller,
      accountId: accountId!,
      region: region!,
      repositoryName: repositoryName!,
      method: request.method ?? 'GET',
      kind: kind!,
      reference: kind === 'manifests' ? rest : undefined,
    };
    const refusal = await this.options.gate.check(access);
    if (refusal) return refuse(response, refusal);
    if (kind === 'blobs' && url.searchParams.has('mount')) {
      // A cross-repository mount from a repository the caller cannot read becomes a plain upload.
      const from = url.searchParams.get('from') ?? '';
      if (!from.startsWith(`${caller.accountId}/${caller.region}/`)) {
        url.searchParams.delete('mount');
        url.searchParams.delete('from');
      }
    }
    return this.forward(request, response, url, async (status, headers) => {
      if (kind === 'manifests' && access.method === 'PUT' && status === 201) {
        await this.options.gate.manifestPushed(access, String(headers['docker-content-digest']));
      }
    });
  }

  private authenticate(request: http.IncomingMessage): TokenScope | { refused: string } {
    const header = request.headers.authorization ?? '';
    const basic = /^Basic\s+(\S+)$/i.exec(header);
    if (!basic) return { refused: 'authentication required: run `aws ecr get-login-password | docker login …`' };
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0 || decoded.slice(0, colon) !== 'AWS') return { refused: 'the user name must be AWS' };
    return this.options.tokens.verify(decoded.slice(colon + 1), this.options.clock());
  }

  private async forward(
    request: http.IncomingMessage,
    response: http.ServerResponse,
    url: URL,
    onResponse?: (status: number, headers: http.IncomingHttpHeaders) => void | Promise<void>,
  ): Promise<void> {
    // The request's body stays paused (nothing reads it) while the registry starts.
    const socketPath = await this.options.registrySocket();
    if (!socketPath) {
      return refuse(response, { status: 503, code: 'UNAVAILABLE', message: 'the registry is not running' });
    }
    const headers = { ...request.headers };
    delete headers.authorization;
    const upstream = http.request(
      { socketPath, method: request.method, path: url.pathname + url.search, headers },
      (reply) => {
        // What follows a response (recording a push) is done before the client hears of it, so a push that
        // returned has been recorded; it never fails the request.
        void Promise.resolve(onResponse?.(reply.statusCode ?? 0, reply.headers))
          .catch((error: unknown) => this.options.logger.warn(`ecr: after ${url.pathname}: ${String(error)}`))
          .then(() => {
            response.writeHead(reply.statusCode ?? 502, reply.headers);
            pipeline(reply, response, () => undefined);
          });
      },
    );
    upstream.on('error', (error) => {
      if (!response.headersSent) {
        refuse(response, {
          status: 503,
          code: 'UNAVAILABLE',
          message: `the registry is not reachable: ${error.message}`,
        });
      } else response.destroy();
    });
    // Blobs stream through without being held in memory.
    pipeline(request, upstream, () => undefined);
  }
}

function refuse(response: http.ServerResponse, refusal: Refusal): void {
  // Whatever the client was sending (a manifest, a blob) is read and dropped, so the connection stays usable.
  response.req.resume();
  const body = JSON.stringify({ errors: [{ code: refusal.code, message: refusal.message, detail: null }] });
  response.writeHead(refusal.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'docker-distribution-api-version': 'registry/2.0',
  });
  response.end(body);
}
