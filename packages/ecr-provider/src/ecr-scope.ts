import type { AuthTokens } from './auth-tokens';
import type { RegistryClient } from './registry/registry-client';
import type { EcrStore } from './store';

/** The registry as handlers see it: its address, and a client when it runs. */
export interface RegistryAccess {
  /** `localhost:<port>`: the host part of every repositoryUri. */
  readonly host: string;
  readonly tokens: AuthTokens;
  /** The registry's client; throws ServerException naming what to install when the registry is not running. */
  client(): RegistryClient;
  /** Removes a repository's folder from the registry's storage (Distribution 2 has no API for that). */
  removeRepositoryStorage(path: string): void;
}

/** What every handler works on: the caller's account and region, and only that state. */
export interface EcrScope {
  readonly scope: { readonly accountId: string; readonly region: string };
  readonly store: EcrStore;
  readonly registry: RegistryAccess;
  readonly now: Date;
  /** Applies a repository's lifecycle policy now (after a push, when a policy is set); never throws. */
  readonly applyLifecycle: (repositoryName: string) => Promise<void>;
}
