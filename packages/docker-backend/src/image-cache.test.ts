import { PassThrough } from 'node:stream';
import type { ImageInfo } from './container-backend';
import { ImageInfoCache, sameReference } from './image-cache';

const BUSYBOX = 'sha256:' + 'b'.repeat(64);
const OTHER = 'sha256:' + 'c'.repeat(64);

const info = (id: string): ImageInfo => ({ id }) as ImageInfo;
const event = (Action: string, id: string, name?: string) =>
  JSON.stringify({ status: Action, id, Type: 'image', Action, Actor: { ID: id, Attributes: name ? { name } : {} } }) +
  '\n';

/** A cache on a fake event stream; `loads` counts the inspects it asks for. */
async function cacheWithEvents() {
  const events = new PassThrough();
  const cache = new ImageInfoCache(async () => events);
  const loads: string[] = [];
  const images: Record<string, string> = { 'busybox:latest': BUSYBOX, 'app:1': OTHER, 'app:2': OTHER };
  const get = (ref: string) =>
    cache.get(ref, async () => {
      loads.push(ref);
      return info(images[ref] ?? BUSYBOX);
    });
  await get('busybox:latest');
  await get('app:1');
  await get('app:2');
  loads.length = 0;
  /** Writes engine lines, and lets the stream deliver them. */
  const send = async (...lines: string[]) => {
    events.write(lines.join(''));
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { cache, events, get, loads, send };
}

describe('ImageInfoCache', () => {
  test('keeps inspects while no event touches them', async () => {
    const { get, loads } = await cacheWithEvents();
    await get('busybox:latest');
    await get('app:1');
    expect(loads).toEqual([]);
  });

  test('another image tagged, saved, pushed, untagged or deleted: nothing is looked up again', async () => {
    const { get, loads, send } = await cacheWithEvents();
    const unrelated = 'sha256:' + 'd'.repeat(64);
    await send(
      event('tag', unrelated, 'someone-else/build:latest'),
      event('save', BUSYBOX, BUSYBOX),
      event('push', 'app:1'),
      event('untag', unrelated, unrelated),
      event('delete', unrelated, unrelated),
    );
    await get('busybox:latest');
    await get('app:1');
    await get('app:2');
    expect(loads).toEqual([]);
  });

  test('a tag onto a cached reference forgets it alone, whatever the spelling', async () => {
    const { get, loads, send } = await cacheWithEvents();
    await send(event('tag', OTHER, 'docker.io/library/busybox'));
    await get('busybox:latest');
    await get('app:1');
    expect(loads).toEqual(['busybox:latest']);
  });

  test('untag or delete of an image forgets every reference that was that image', async () => {
    const { get, loads, send } = await cacheWithEvents();
    await send(event('untag', OTHER, OTHER));
    await get('busybox:latest');
    await get('app:1');
    await get('app:2');
    expect(loads).toEqual(['app:1', 'app:2']);
  });

  test('load, import, pull, an unknown action or an unreadable line forget everything', async () => {
    for (const line of [
      event('load', OTHER, OTHER),
      event('import', OTHER, OTHER),
      event('pull', 'busybox:latest'),
      event('prune', ''),
      '{not json\n',
    ]) {
      const { get, loads, send } = await cacheWithEvents();
      await send(line);
      await get('busybox:latest');
      await get('app:1');
      expect(loads).toEqual(['busybox:latest', 'app:1']);
    }
  });

  test('events split across chunks and several in one chunk are each read', async () => {
    const { get, loads, events } = await cacheWithEvents();
    const line = event('tag', OTHER, 'busybox:latest');
    events.write(line.slice(0, 20));
    await new Promise((resolve) => setImmediate(resolve));
    await get('busybox:latest');
    expect(loads).toEqual([]);
    events.write(line.slice(20) + event('untag', OTHER, OTHER));
    await new Promise((resolve) => setImmediate(resolve));
    await get('busybox:latest');
    await get('app:1');
    expect(loads).toEqual(['busybox:latest', 'app:1']);
  });

  test('the end of the subscription forgets everything', async () => {
    const { get, loads, events } = await cacheWithEvents();
    events.end();
    events.resume();
    await new Promise((resolve) => setImmediate(resolve));
    await get('busybox:latest');
    expect(loads).toEqual(['busybox:latest']);
  });

  test('references: a missing tag is latest; docker.io and library/ are the default registry', () => {
    expect(sameReference('busybox', 'busybox:latest')).toBe(true);
    expect(sameReference('docker.io/library/busybox:latest', 'busybox')).toBe(true);
    expect(sameReference('index.docker.io/someone/app', 'someone/app:latest')).toBe(true);
    expect(sameReference('localhost:5000/app', 'localhost:5000/app:latest')).toBe(true);
    expect(sameReference('localhost:5000/app:1', 'localhost:5000/app:2')).toBe(false);
    expect(sameReference('busybox:1', 'busybox:latest')).toBe(false);
    expect(sameReference('someone/busybox', 'busybox')).toBe(false);
  });
});
