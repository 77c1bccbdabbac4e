import type { Readable } from 'node:stream';
import type { ImageInfo } from './container-backend';

/**
 * Image inspects by reference, kept only while the engine reports no change to them: a reference can be
 * re-tagged, pulled or removed at any time, so entries live only while a subscription to the engine's
 * image events is open, and the end of the subscription empties the cache. Every RunTask looks its
 * images up; this spares it an Engine round trip on the way to RUNNING.
 *
 * An event forgets only what it can have changed, so that a shared engine where other images are built
 * and tagged all the time does not keep the cache cold: `tag` the reference it names, `untag` and
 * `delete` the references that were that image; `save` and `push` change nothing; anything else
 * (`pull`, `load` — which re-tags without a `tag` event —, `import`, an unknown action or an unreadable
 * line) forgets everything.
 */
export class ImageInfoCache {
  private readonly entries = new Map<string, ImageInfo>();
  /** Bumped by every change, so an inspect that raced with one is not kept. */
  private generation = 0;
  private watch?: Promise<boolean>;

  /** `subscribe`: the engine's image events from now on (replayed from the current second). */
  constructor(private readonly subscribe: () => Promise<Readable>) {}

  async get(ref: string, load: () => Promise<ImageInfo>): Promise<ImageInfo> {
    const cached = this.entries.get(ref);
    if (cached) return cached;
    const generation = this.generation;
    const [info, watching] = await Promise.all([load(), this.watching()]);
    if (watching && generation === this.generation) this.entries.set(ref, info);
    return info;
  }

  /** Images changed in a way not known in detail (pulled, imported, or the events were lost). */
  invalidate(): void {
    this.forget(() => true);
  }

  /** One line of the engine's event stream. */
  onEvent(line: string): void {
    let event: RawImageEvent;
    try {
      event = JSON.parse(line) as RawImageEvent;
    } catch {
      return this.invalidate();
    }
    const action = event.Action ?? event.status;
    const id = event.Actor?.ID ?? event.id;
    const name = event.Actor?.Attributes?.name;
    if (action === 'save' || action === 'push') return;
    if (action === 'tag' && name) return this.forget((ref) => sameReference(ref, name));
    if ((action === 'untag' || action === 'delete') && id) return this.forget((_, info) => info.id === id);
    this.invalidate();
  }

  private forget(matches: (ref: string, info: ImageInfo) => boolean): void {
    this.generation++;
    for (const [ref, info] of this.entries) if (matches(ref, info)) this.entries.delete(ref);
  }

  private watching(): Promise<boolean> {
    if (this.watch) return this.watch;
    const watch: Promise<boolean> = this.subscribe().then(
      (source) => {
        const ended = () => {
          if (this.watch === watch) this.watch = undefined;
          this.invalidate();
        };
        let pending = '';
        source.on('data', (chunk: Buffer | string) => {
          pending += chunk.toString();
          for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n')) {
            const line = pending.slice(0, end).trim();
            pending = pending.slice(end + 1);
            if (line) this.onEvent(line);
          }
        });
        source.on('end', ended);
        source.on('close', ended);
        source.on('error', ended);
        // An idle subscription must not keep the process alive.
        (source as Readable & { socket?: { unref?: () => void } }).socket?.unref?.();
        return true;
      },
      () => {
        if (this.watch === watch) this.watch = undefined;
        return false;
      },
    );
    this.watch = watch;
    return watch;
  }
}

/** An image event as the Engine API streams it (1.41). */
interface RawImageEvent {
  status?: string;
  id?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
}

/** Whether two references name the same tag: `busybox`, `busybox:latest` and `docker.io/library/busybox:latest` do. */
export function sameReference(a: string, b: string): boolean {
  return normalReference(a) === normalReference(b);
}

function normalReference(ref: string): string {
  let name = ref.replace(/^(?:index\.)?docker\.io\//, '').replace(/^library\//, '');
  // A tag follows the last ':' after the last '/' (a registry's port comes before it); a digest needs none.
  if (!name.includes('@') && !name.slice(name.lastIndexOf('/') + 1).includes(':')) name += ':latest';
  return name;
}
