import type { Readable } from 'node:stream';
import type { ImageInfo } from './container-backend';

/**
 * Image inspects by reference, kept only while the engine reports no image change: a reference can be
 * re-tagged, pulled or removed at any time, so entries live only while a subscription to the engine's
 * image events is open, and any image event (or the end of the subscription) empties the cache. Every
 * RunTask looks its images up; this spares it an Engine round trip on the way to RUNNING.
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

  /** An image changed (pulled, imported, tagged, removed). */
  invalidate(): void {
    this.generation++;
    this.entries.clear();
  }

  private watching(): Promise<boolean> {
    if (this.watch) return this.watch;
    const watch: Promise<boolean> = this.subscribe().then(
      (source) => {
        const ended = () => {
          if (this.watch === watch) this.watch = undefined;
          this.invalidate();
        };
        source.on('data', () => this.invalidate());
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
