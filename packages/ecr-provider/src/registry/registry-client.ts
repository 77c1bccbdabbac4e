import http from 'node:http';

/** Manifest media types the provider asks the registry for (all it stores). */
export const MANIFEST_MEDIA_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v1+prettyjws',
];

export interface StoredManifest {
  readonly digest: string;
  readonly mediaType: string;
  readonly body: string;
}

/** A failure the registry reported, with its Distribution error code (`MANIFEST_BLOB_UNKNOWN`, …). */
export class RegistryError extends Error {
  constructor(
    readonly status: number,
    readonly codes: readonly string[],
    message: string,
  ) {
    super(message);
  }
}

interface Reply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** The provider's own calls to the registry over its Unix socket (the Distribution HTTP API v2). */
export class RegistryClient {
  /** `ready` runs before every request: the provider starts the registry there on first use. */
  constructor(
    private readonly socketPath: string,
    private readonly ready: () => Promise<void> = async () => undefined,
  ) {}

  /** Tags of a repository; none when the registry has never seen it. */
  async tags(name: string): Promise<string[]> {
    const reply = await this.request('GET', `/v2/${name}/tags/list?n=100000`);
    if (reply.status === 404) return [];
    this.expect(reply, 200);
    return ((JSON.parse(reply.body) as { tags?: string[] | null }).tags ?? []).slice().sort();
  }

  /** The manifest by tag or digest, or undefined when there is none. */
  async manifest(name: string, reference: string, accept = MANIFEST_MEDIA_TYPES): Promise<StoredManifest | undefined> {
    const reply = await this.request('GET', `/v2/${name}/manifests/${reference}`, { accept: accept.join(', ') });
    if (reply.status === 404) return undefined;
    this.expect(reply, 200);
    return {
      digest: String(reply.headers['docker-content-digest']),
      mediaType: String(reply.headers['content-type']).split(';')[0]!.trim(),
      body: reply.body,
    };
  }

  /** Stores a manifest under a tag or its digest; returns its digest. */
  async putManifest(name: string, reference: string, mediaType: string, body: string): Promise<string> {
    const reply = await this.request('PUT', `/v2/${name}/manifests/${reference}`, { 'content-type': mediaType }, body);
    this.expect(reply, 201);
    return String(reply.headers['docker-content-digest']);
  }

  /** Deletes a manifest by digest (and with it every tag pointing at it). */
  async deleteManifest(name: string, digest: string): Promise<boolean> {
    const reply = await this.request('DELETE', `/v2/${name}/manifests/${digest}`);
    if (reply.status === 404) return false;
    this.expect(reply, 202);
    return true;
  }

  private expect(reply: Reply, status: number): void {
    if (reply.status === status) return;
    let codes: string[] = [];
    let message = `registry answered HTTP ${reply.status}`;
    try {
      const errors = (JSON.parse(reply.body) as { errors?: { code: string; message: string }[] }).errors ?? [];
      codes = errors.map((e) => e.code);
      if (errors[0]) message = `${errors[0].code}: ${errors[0].message}`;
    } catch {
      // not a registry error body
    }
    throw new RegistryError(reply.status, codes, message);
  }

  private async request(
    method: string,
    path: string,
    headers: http.OutgoingHttpHeaders = {},
    body?: string,
  ): Promise<Reply> {
    await this.ready();
    return new Promise((resolve, reject) => {
      const request = http.request({ socketPath: this.socketPath, method, path, headers }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        response.on('error', reject);
      });
      request.on('error', reject);
      request.setTimeout(30_000, () => request.destroy(new Error('the registry did not answer within 30 s')));
      request.end(body);
    });
  }
}
