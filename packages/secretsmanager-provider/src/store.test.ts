import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StateStoreWriteError } from '@localcloud/persistence';
import { openSecretsManagerStore, type SecretRecord, type SecretsManagerStore } from './store';

/*
 * A failed group-commit sync rolls the records back; the name index must say the same afterwards. The
 * failure is injected as persistence's own tests inject it: the next fdatasync fails after the append.
 */

const NOW = Date.UTC(2030, 0, 15);

function failNextSync(): jest.SpyInstance {
  return jest.spyOn(fs, 'fdatasync').mockImplementationOnce(((_fd: number, done: (e: Error) => void) => {
    setImmediate(() => done(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' })));
  }) as unknown as typeof fs.fdatasync);
}

const secret = (name: string, suffix: string): SecretRecord => ({
  arn: `arn:aws:secretsmanager:us-east-1:000000000000:secret:${name}-${suffix}`,
  name,
  tags: [],
  createdDate: new Date(NOW),
  lastChangedDate: new Date(NOW),
  versions: { v1: { createdDate: new Date(NOW), stages: ['AWSCURRENT'] } },
});

describe('the Secrets Manager name index after a failed journal sync', () => {
  let dir: string;
  let store: SecretsManagerStore;
  const kept = secret('kept', 'aaaaaa');

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-sm-store-'));
    store = openSecretsManagerStore(dir);
    store.save(kept, { v1: { secretString: 'one' } });
    await store.durable();
  });
  afterEach(() => {
    jest.restoreAllMocks();
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('finds by name exactly the secrets the rolled-back records hold', async () => {
    const sync = failNextSync();
    store.remove(kept);
    const again = secret('kept', 'bbbbbb');
    store.save(again, { v1: { secretString: 'two' } });
    store.save(secret('ghost', 'cccccc'));
    expect(store.named('kept', NOW)?.arn).toBe(again.arn);

    await expect(store.durable()).rejects.toThrow(StateStoreWriteError);
    expect(sync).toHaveBeenCalledTimes(1);
    expect(store.all(NOW).map((s) => s.arn)).toEqual([kept.arn]);
    expect(store.named('kept', NOW)?.arn).toBe(kept.arn);
    expect(store.value(kept.arn, 'v1')?.secretString).toBe('one');
    expect(store.named('ghost', NOW)).toBeUndefined();
  });
});
