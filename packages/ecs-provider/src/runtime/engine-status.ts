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
 * Once the engine has answered (or failed), every health request asks it again, as before.
 */
export class EngineStatus {
  private last: EngineState = { state: 'connecting' };
  private asking?: Promise<EngineState>;

  constructor(private readonly version: () => Promise<EngineVersionInfo>) {}

  /** Asks the engine (one question at a time) and records its answer. */
  refresh(): Promise<EngineState> {
    this.asking ??= this.version().then(
      (v): EngineState => ({ state: 'available', version: v.version, apiVersion: v.apiVersion }),
      (error: unknown): EngineState => ({
        state: 'unavailable',
        error: error instanceof Error ? error.message : String(error),
      }),
    );
    const asking = this.asking;
    return asking.then((state) => {
      this.last = state;
      if (this.asking === asking) this.asking = undefined;
      return state;
    });
  }

  /** The health answer: the engine's answer now, or `connecting` while its first answer is awaited. */
  async health(): Promise<ProviderHealth> {
    const pending = this.refresh();
    const state = this.last.state === 'connecting' ? this.last : await pending;
    return { status: state.state === 'unavailable' ? 'degraded' : 'running', docker: state };
  }
}
