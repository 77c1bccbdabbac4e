import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';

// The build's code cache (`npm run build` first): written by a start of the built gateway after it answered
// a health request and a ListClusters, so that it holds the functions those first answers run (scripts/bundle.js,
// `writeCodeCache`). That start must touch nothing of the user's: no Docker engine, no persistence.
const ROOT = path.join(__dirname, '../../..');
const DIST = path.join(__dirname, '../dist');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { writeCodeCache } = require(path.join(ROOT, 'scripts/bundle.js')) as {
  writeCodeCache: (loader: string) => Promise<void>;
};

/** Preloaded into the writer: records what it answered and with which settings, in order with the cache. */
const RECORDER = `
const fs = require('node:fs');
const http = require('node:http');
// Beside this preload: the warm-up's environment holds only what Node reads (and the forced settings).
const out = require('node:path').join(__dirname, 'record.jsonl');
const record = (entry) => fs.appendFileSync(out, JSON.stringify(entry) + '\\n');
const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function (event, req, res) {
  if (event === 'request') {
    res.once('finish', () => record({ answered: req.headers['x-amz-target'] ?? req.url, status: res.statusCode }));
  }
  return emit.apply(this, arguments);
};
const renameSync = fs.renameSync;
fs.renameSync = function (from, to) {
  if (String(to).endsWith('localcloud.bundle.cache')) {
    const { DOCKER_HOST, PERSISTENCE, ECS_CONTAINER_PREFIX } = process.env;
    record({ cacheWritten: true, DOCKER_HOST, PERSISTENCE, ECS_CONTAINER_PREFIX });
  }
  return renameSync.apply(this, arguments);
};
`;

describe('the bundle: its code cache written after the first answers', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'localcloud-code-cache-test-'));
    for (const file of fs.readdirSync(DIST)) {
      if (/^localcloud\.(js|bundle\.js|lazy\..*\.js)$/.test(file))
        fs.copyFileSync(path.join(DIST, file), path.join(dir, file));
    }
    fs.writeFileSync(path.join(dir, 'recorder.js'), RECORDER);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('answers a health request and a ListClusters, without an engine or persistence, then writes a cache V8 accepts', async () => {
    const record = path.join(dir, 'record.jsonl');
    const saved = { NODE_OPTIONS: process.env.NODE_OPTIONS, DEFAULT_ACCOUNT_ID: process.env.DEFAULT_ACCOUNT_ID };
    process.env.NODE_OPTIONS = `-r ${path.join(dir, 'recorder.js')}`;
    // A gateway setting of the builder's shell that the config refuses is not the warm-up's.
    process.env.DEFAULT_ACCOUNT_ID = 'not twelve digits';
    try {
      await writeCodeCache(path.join(dir, 'localcloud.js'));
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
    const entries = fs
      .readFileSync(record, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries.map((entry) => entry.answered ?? 'cache')).toEqual([
      '/_localcloud/health',
      'AmazonEC2ContainerServiceV20141113.ListClusters',
      'cache',
    ]);
    expect(entries.slice(0, 2).map((entry) => entry.status)).toEqual([200, 200]);
    const settings = entries[2]!;
    expect(settings.PERSISTENCE).toBe('0');
    expect(settings.ECS_CONTAINER_PREFIX).toBe('localcloud-code-cache');
    // An engine address where nothing listens (the scratch folder is gone once the cache is written).
    const socket = String(settings.DOCKER_HOST).replace(/^unix:\/\//, '');
    expect(socket).toMatch(/no-engine\.sock$/);
    expect(fs.existsSync(socket)).toBe(false);

    // The loader's check: the cache starts with the bundle's hash and V8 takes the rest for this bundle.
    const loader = fs.readFileSync(path.join(dir, 'localcloud.js'), 'utf8');
    const hash = JSON.parse(/^const HASH = (".*");$/m.exec(loader)![1]) as string;
    const cache = fs.readFileSync(path.join(dir, 'localcloud.bundle.cache'));
    expect(cache.subarray(0, hash.length).toString('latin1')).toBe(hash);
    const script = new vm.Script(fs.readFileSync(path.join(dir, 'localcloud.bundle.js'), 'latin1'), {
      filename: path.join(dir, 'localcloud.bundle.js'),
      cachedData: cache.subarray(hash.length),
    });
    expect(script.cachedDataRejected).toBe(false);
  }, 60_000);
});
