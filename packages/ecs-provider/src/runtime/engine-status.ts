import type { ProviderHealth } from '@localcloud/gateway';

export interface EngineVersionInfo {
  readonly version: string;
  readonly apiVersion: string;
}

/** What `/_localcloud/health` says about the Docker engine. */
export type EngineState =
  | { readonly state: 'connecting' }
  | { readonly state: 'available'; readonly version: string; readonly apiVersion: string }
  | { readonly state: 'unavailable'; readonly error: string };

/**
 * The engine as the health answer reports it. Until the engine has answered once, a health request does
 * not wait for it (the first answer after start would otherwise carry a Docker round trip, or hang with
 * an engine that accepts and never answers): it reports `connecting` and leaves the question asked.
 * Once the engine has answered (or failed), every health request asks it again, as before. While a question
 * is outstanding none is asked again and nothing more is attached to it: a periodic probe of an engine that
 * never answers would otherwise pile up callbacks on the one pending promise.
 */
export class EngineStatus {
  private last: EngineState = { state: 'connecting' };
  private asking?: Promise<EngineState>;

  constructor(private readonly version: () => Promise<EngineVersionInfo>) {}

  /** Asks the engine (one question at a time, shared by whoever asks meanwhile) and records its answer. */
  refresh(): Promise<EngineState> {
    this.asking ??= this.version()
      .then(
        (v): EngineState => ({ state: 'available', version: v.version, apiVersion: v.apiVersion }),
        (error: unknown): EngineState => ({
          state: 'unavailable',
          error: error instanceof Error ? error.message : String(error),
        }),
      )
      .then((state) => {
        this.last = state;
        this.asking = undefined;
        return state;
      });
    return this.asking;
  }

  /** The health answer: the engine's answer now, or `connecting` while its first answer is awaited. */
  async health(): Promise<ProviderHealth> {
    if (this.last.state === 'connecting') {
      if (!this.asking) void this.refresh();
      return { status: 'running', docker: this.last };
    }
    const state = await this.refresh();
    return { status: state.state === 'unavailable' ? 'degraded' : 'running', docker: state };
  }
}
