import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Plugin } from 'esbuild';
import { bundleText, evaluateBundle } from './bundle-in-test';

const ROOT = path.join(__dirname, '../../..');

// The build script's plugin that leaves bundled modules unevaluated until an export is first read.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { evaluateOnFirstUse, FIRST_USE, ECS_FIRST_USE } = require(path.join(ROOT, 'scripts/bundle.js')) as {
  evaluateOnFirstUse: (filter: RegExp) => Plugin;
  FIRST_USE: RegExp;
  ECS_FIRST_USE: RegExp;
};

/** Bundles `entry` (CommonJS source resolved from `dir`) with the plugin and evaluates it; returns its exports. */
async function bundleAndRun(entry: string, dir: string, filter: RegExp): Promise<Record<string, unknown>> {
  const text = await bundleText(entry, dir, [evaluateOnFirstUse(filter)]);
  // The plugin read the export names by loading the module at build time, in this process: count from here.
  delete (globalThis as { heavyEvaluations?: number }).heavyEvaluations;
  return evaluateBundle(text);
}

describe('the bundle: modules evaluated on first use (scripts/bundle.js)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'localcloud-first-use-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const evaluations = () => (globalThis as { heavyEvaluations?: number }).heavyEvaluations ?? 0;

  it('evaluates the module when an export is first read, once, with its functions, classes and values intact', async () => {
    fs.writeFileSync(
      path.join(dir, 'heavy.js'),
      [
        'globalThis.heavyEvaluations = (globalThis.heavyEvaluations ?? 0) + 1;',
        "Object.defineProperty(exports, '__esModule', { value: true });",
        'exports.answer = (n) => n * 2;',
        'exports.Box = class Box { constructor(v) { this.v = v; } };',
        "exports.table = { json: 'application/json' };",
      ].join('\n'),
    );
    const { heavy } = await bundleAndRun("exports.heavy = require('./heavy');", dir, /^\.\/heavy$/);
    expect(evaluations()).toBe(0);

    const lazy = heavy as { answer(n: number): number; Box: new (v: number) => { v: number }; table: object };
    expect(lazy.answer(21)).toBe(42);
    expect(evaluations()).toBe(1);
    const box = new lazy.Box(7);
    expect(box).toBeInstanceOf(lazy.Box);
    expect(box.v).toBe(7);
    expect(lazy.table).toEqual({ json: 'application/json' });
    expect(Object.keys(lazy).sort()).toEqual(['Box', 'answer', 'table']);
    expect((lazy as { __esModule?: boolean }).__esModule).toBe(true);
    expect(evaluations()).toBe(1);
  });

  it('stands in for a module that is one function: called, constructed and its properties read, evaluated once', async () => {
    fs.writeFileSync(
      path.join(dir, 'heavy.js'),
      [
        'globalThis.heavyEvaluations = (globalThis.heavyEvaluations ?? 0) + 1;',
        'function make(status) { if (new.target) { this.status = status; return; } return { status, self: this }; }',
        'make.prototype.describe = function () { return `status ${this.status}`; };',
        'module.exports = make;',
        'module.exports.NotFound = 404;',
      ].join('\n'),
    );
    const { heavy } = await bundleAndRun("exports.heavy = require('./heavy');", dir, /^\.\/heavy$/);
    expect(evaluations()).toBe(0);

    type Make = ((status: number) => { status: number; self: unknown }) & { NotFound: number };
    const make = heavy as Make;
    const owner = { make };
    expect(owner.make(500)).toEqual({ status: 500, self: owner });
    expect(evaluations()).toBe(1);
    // Constructed through the stand-in: the real constructor's object, with its prototype's methods.
    const made = new (make as unknown as new (status: number) => { status: number; describe(): string })(503);
    expect(made.status).toBe(503);
    expect(made.describe()).toBe('status 503');
    expect(make.NotFound).toBe(404);
    expect(Object.keys(make)).toEqual(['NotFound']);
    expect(evaluations()).toBe(1);
  });

  it('bundles the modules the gateway defers (mime-types, http-proxy-3, node:http2, https, tls, zlib, fs/promises, qs, send, etag, http-errors) so that they still work', async () => {
    const exported = await bundleAndRun(
      [
        "exports.mime = require('mime-types'); exports.proxy = require('http-proxy-3'); exports.http2 = require('node:http2');",
        "exports.https = require('https'); exports.tls = require('node:tls'); exports.zlib = require('node:zlib');",
        "exports.fsPromises = require('node:fs/promises'); exports.qs = require('qs');",
        "exports.send = require('send'); exports.etag = require('etag'); exports.createError = require('http-errors');",
      ].join('\n'),
      path.join(ROOT, 'node_modules/express'),
      FIRST_USE,
    );
    const mime = exported.mime as { lookup(ext: string): string | false; contentType(type: string): string | false };
    expect(mime.lookup('json')).toBe('application/json');
    expect(mime.contentType('html')).toBe('text/html; charset=utf-8');
    expect(mime.lookup('no-such-extension')).toBe(false);

    const proxy = exported.proxy as {
      createProxyServer(o: object): { close(): void };
      ProxyServer: new (...args: never[]) => unknown;
    };
    const server = proxy.createProxyServer({});
    expect(server).toBeInstanceOf(proxy.ProxyServer);
    server.close();

    // A built-in behind a stand-in: Node's own module, read through getters.
    const http2 = exported.http2 as typeof import('node:http2');
    expect(Object.getOwnPropertyDescriptor(http2, 'connect')?.get).toBeInstanceOf(Function);
    expect(http2.connect).toBe(jest.requireActual<typeof import('node:http2')>('node:http2').connect);
    expect(http2.constants.NGHTTP2_CANCEL).toBe(8);

    // docker-modem's and the proxy's TLS: the same functions and classes as Node's own.
    const https = exported.https as typeof import('node:https');
    expect(https.request).toBe(jest.requireActual<typeof import('node:https')>('node:https').request);
    expect(new https.Agent({ keepAlive: true })).toBeInstanceOf(
      jest.requireActual<typeof import('node:https')>('node:https').Agent,
    );
    const tls = exported.tls as typeof import('node:tls');
    expect(tls.connect).toBe(jest.requireActual<typeof import('node:tls')>('node:tls').connect);

    // read-body's inflaters: Node's own streams, through the stand-in.
    const zlib = exported.zlib as typeof import('node:zlib');
    expect(Object.getOwnPropertyDescriptor(zlib, 'createGunzip')?.get).toBeInstanceOf(Function);
    expect(zlib.createGunzip()).toBeInstanceOf(jest.requireActual<typeof import('node:zlib')>('node:zlib').Gunzip);
    expect(zlib.gunzipSync(zlib.gzipSync('body')).toString()).toBe('body');

    // An exec's exit file and which's look-up: Node's own promises API.
    const fsPromises = exported.fsPromises as typeof import('node:fs/promises');
    expect(fsPromises.readFile).toBe(
      jest.requireActual<typeof import('node:fs/promises')>('node:fs/promises').readFile,
    );
    await expect(fsPromises.readFile(path.join(ROOT, 'package.json'), 'utf8')).resolves.toContain('"localcloud"');

    // express's 'extended' query parser.
    const qs = exported.qs as { parse(query: string, options?: object): unknown };
    expect(qs.parse('a[b]=1&c=2', { allowPrototypes: true })).toEqual({ a: { b: '1' }, c: '2' });

    // express's sendFile, its ETags and its errors: modules that are one function.
    const createError = exported.createError as typeof import('http-errors');
    const notFound = createError(404, 'no such thing');
    expect(notFound).toBeInstanceOf(createError.NotFound);
    expect(notFound).toBeInstanceOf(createError.HttpError);
    expect(createError.isHttpError(notFound)).toBe(true);
    expect([notFound.status, notFound.expose, notFound.message]).toEqual([404, true, 'no such thing']);
    const etag = exported.etag as (body: string) => string;
    expect(etag('body')).toBe(jest.requireActual<(body: string) => string>('etag')('body'));
    const send = exported.send as (req: object, path: string) => { on(event: string, fn: () => void): unknown };
    expect(typeof send({ headers: {} }, '/nonexistent').on).toBe('function');
  });

  it("bundles what the ECS provider's start defers (tar-fs, ws, the pause image) so that they still work", async () => {
    const backend = path.join(ROOT, 'packages/docker-backend/dist');
    const exported = await bundleAndRun(
      [
        "exports.tar = require('tar-fs'); exports.ws = require('ws');",
        "exports.pause = require('./pause-image/pause-image');",
      ].join('\n'),
      backend,
      ECS_FIRST_USE,
    );
    const real = {
      ws: jest.requireActual<typeof import('ws')>('ws'),
      pause: jest.requireActual<Record<string, unknown>>(path.join(backend, 'pause-image/pause-image')),
    };
    for (const name of ['tar', 'ws', 'pause']) {
      expect(
        Object.getOwnPropertyDescriptor(exported[name], Object.keys(exported[name] as object)[0]!)?.get,
      ).toBeInstanceOf(Function);
    }
    // dockerode's build context: a tar stream of a folder.
    const tar = exported.tar as { pack(dir: string, options: object): NodeJS.ReadableStream };
    const packed: Buffer[] = [];
    for await (const chunk of tar.pack(dir, { entries: [] })) packed.push(chunk as Buffer);
    expect(Buffer.concat(packed).length).toBeGreaterThan(0);
    // ECS Exec's data channel server: the module's class (the bundle's copy of it), which works.
    const ws = exported.ws as typeof import('ws');
    expect(Object.keys(ws).sort()).toEqual(Object.keys(real.ws).sort());
    const server = new ws.WebSocketServer({ noServer: true });
    expect(server.clients).toBeInstanceOf(Set);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    // The pause image's name and its root filesystem, as the package computes them.
    const pause = exported.pause as { PAUSE_IMAGE: string; pauseImageRootfs(arch: string): Buffer };
    expect(pause.PAUSE_IMAGE).toBe(real.pause.PAUSE_IMAGE);
    expect(pause.PAUSE_IMAGE).toMatch(/^localcloud\/pause:[0-9a-f]{12}$/);
    expect(pause.pauseImageRootfs('amd64').length).toBeGreaterThan(512);
  });
  it("bundles the local DNS's packet codec, dockerode's .dockerignore reader and winston's async helpers so that they still work", async () => {
    const exported = await bundleAndRun(
      [
        "exports.dnsPacket = require('dns-packet'); exports.dockerignore = require('@balena/dockerignore');",
        "exports.forEach = require('async/forEach'); exports.series = require('async/series');",
      ].join('\n'),
      ROOT,
      new RegExp(`${FIRST_USE.source}|${ECS_FIRST_USE.source}`),
    );
    const real = jest.requireActual<Record<string, unknown>>('dns-packet');
    const dnsPacket = exported.dnsPacket as typeof import('dns-packet');
    expect(Object.getOwnPropertyDescriptor(dnsPacket, 'encode')?.get).toBeInstanceOf(Function);
    expect(Object.keys(dnsPacket).sort()).toEqual(Object.keys(real).sort());
    // A query as the local DNS answers it: encoded, then decoded back.
    const query = dnsPacket.encode({ type: 'query', id: 7, questions: [{ type: 'A', name: 'web.local' }] });
    expect(dnsPacket.decode(query).questions).toEqual([{ type: 'A', name: 'web.local', class: 'IN' }]);
    expect(dnsPacket.RECURSION_DESIRED).toBe(1 << 8);

    // Modules that are one function: called through the stand-in.
    const dockerignore = exported.dockerignore as (options: object) => {
      add(p: string[]): { ignores(f: string): boolean };
    };
    expect(dockerignore({}).add(['*.log']).ignores('a.log')).toBe(true);
    const forEach = exported.forEach as (
      items: number[],
      each: (n: number, next: () => void) => void,
      done: (e?: Error | null) => void,
    ) => void;
    const seen: number[] = [];
    await new Promise<void>((resolve, reject) =>
      forEach(
        [1, 2],
        (n, next) => (seen.push(n), next()),
        (error) => (error ? reject(error) : resolve()),
      ),
    );
    expect(seen).toEqual([1, 2]);
    const series = exported.series as (
      tasks: ((cb: (e: null, v: number) => void) => void)[],
      done: (e: Error | null, v: number[]) => void,
    ) => void;
    const results = await new Promise<number[]>((resolve) =>
      series([(cb) => cb(null, 1), (cb) => cb(null, 2)], (_, v) => resolve(v)),
    );
    expect(results).toEqual([1, 2]);
  });
  it("bundles express's helpers the gateway never calls (accepts, type-is, range-parser, content-disposition, cookie, vary, serve-static) so that they still work", async () => {
    const exported = await bundleAndRun(
      [
        "exports.accepts = require('accepts'); exports.typeis = require('type-is'); exports.range = require('range-parser');",
        "exports.disposition = require('content-disposition'); exports.cookie = require('cookie');",
        "exports.vary = require('vary'); exports.serveStatic = require('serve-static');",
      ].join('\n'),
      path.join(ROOT, 'node_modules/express'),
      FIRST_USE,
    );
    // `req.accepts`: negotiated from the request's Accept header.
    const accepts = exported.accepts as (req: object) => { type(types: string[]): string | false };
    expect(accepts({ headers: { accept: 'application/json' } }).type(['html', 'json'])).toBe('json');
    // `req.is`: a function with properties, both through the stand-in.
    const typeis = exported.typeis as ((req: object, types: string[]) => string | false | null) & {
      is(type: string, types: string[]): string | false;
    };
    expect(typeis.is('application/json', ['json'])).toBe('json');
    expect(typeis({ headers: { 'content-type': 'text/html', 'content-length': '1' } }, ['html'])).toBe('html');
    const range = exported.range as (size: number, header: string) => { start: number; end: number }[];
    expect([...range(100, 'bytes=0-9')]).toEqual([{ start: 0, end: 9 }]);
    const disposition = exported.disposition as { create(file: string): string };
    expect(disposition.create('a.txt')).toBe('attachment; filename=a.txt');
    const cookie = exported.cookie as { serialize(name: string, value: string): string };
    expect(cookie.serialize('a', 'b')).toBe('a=b');
    const headers: Record<string, string> = {};
    const vary = exported.vary as (res: object, field: string) => void;
    vary(
      {
        getHeader: (name: string) => headers[name],
        setHeader: (name: string, value: string) => (headers[name] = value),
      },
      'Accept',
    );
    expect(headers).toEqual({ Vary: 'Accept' });
    const serveStatic = exported.serveStatic as (root: string) => (req: object, res: object, next: () => void) => void;
    expect(serveStatic(ROOT)).toBeInstanceOf(Function);
  });
});
