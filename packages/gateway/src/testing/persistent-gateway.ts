import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ProviderSource } from '../plugin/registry';
import { startTestGateway, type TestGateway } from './index';

export interface PersistentGatewayOptions<C> {
  /** Gateway settings besides PERSISTENCE and DATA_DIR, e.g. `{ SERVICES: 'ssm' }`. */
  readonly env: Record<string, string>;
  /** Plugins injected directly, as for `startTestGateway`. */
  readonly providers?: Record<string, ProviderSource>;
  /** The SDK client a test talks through, made for each gateway started. */
  client(gateway: TestGateway): C;
}

export interface PersistentGateway<C> {
  /** The current test's data directory: a new temporary one for each test, removed after it. */
  readonly dataDir: string;
  /** The gateway the last `start` started. */
  readonly gateway: TestGateway;
  /** Starts a gateway with PERSISTENCE=1 on `dataDir` and returns a client for it. */
  start(): Promise<C>;
  /** Closes the client and the gateway; `start` again is the restart under test. */
  stop(): Promise<void>;
}

/**
 * For restart tests: registers beforeEach/afterEach that give each test its own data directory and
 * stop whatever gateway it left running, so a test only says what it keeps across `stop`/`start`.
 */
export function usePersistentGateway<C extends { destroy(): void }>(
  options: PersistentGatewayOptions<C>,
): PersistentGateway<C> {
  let dataDir: string | undefined;
  let gateway: TestGateway | undefined;
  let client: C | undefined;

  const currentDataDir = (): string => {
    if (!dataDir) throw new Error('usePersistentGateway: dataDir is only there inside a test');
    return dataDir;
  };
  const stop = async (): Promise<void> => {
    client?.destroy();
    await gateway?.close();
    client = undefined;
    gateway = undefined;
  };

  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'localcloud-persistence-'));
  });
  afterEach(async () => {
    await stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  return {
    get dataDir() {
      return currentDataDir();
    },
    get gateway() {
      if (!gateway) throw new Error('usePersistentGateway: no gateway running; call start() first');
      return gateway;
    },
    async start() {
      gateway = await startTestGateway({
        env: { ...options.env, PERSISTENCE: '1', DATA_DIR: currentDataDir() },
        providers: options.providers,
      });
      client = options.client(gateway);
      return client;
    },
    stop,
  };
}
