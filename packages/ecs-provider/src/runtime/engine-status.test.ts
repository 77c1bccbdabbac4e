import { EngineStatus, type EngineVersionInfo } from './engine-status';

/** A promise that counts every `then` attached to it or to a promise derived from it. */
class Counted<T> extends Promise<T> {
  static thens = 0;
  override then<A = T, B = never>(
    onFulfilled?: ((value: T) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    Counted.thens += 1;
    return super.then(onFulfilled, onRejected);
  }
}

describe('EngineStatus', () => {
  test('while the first answer hangs, health asks once and attaches nothing more per probe', async () => {
    let answer!: (v: EngineVersionInfo) => void;
    const version = jest
      .fn<Promise<EngineVersionInfo>, []>(() => Promise.resolve({ version: '20.10.0', apiVersion: '1.41' }))
      .mockImplementationOnce(() => new Counted<EngineVersionInfo>((resolve) => (answer = resolve)));
    const status = new EngineStatus(version);

    for (let probe = 0; probe < 50; probe++) {
      expect(await status.health()).toEqual({ status: 'running', docker: { state: 'connecting' } });
    }
    expect(version).toHaveBeenCalledTimes(1);
    const attached = Counted.thens;
    expect(attached).toBeLessThan(5);

    answer({ version: '20.10.0', apiVersion: '1.41' });
    await status.refresh();
    expect(await status.health()).toEqual({
      status: 'running',
      docker: { state: 'available', version: '20.10.0', apiVersion: '1.41' },
    });
    // Answered once: each health request asks the engine again.
    expect(version).toHaveBeenCalledTimes(2);
  });

  test('an engine that fails is reported degraded, and asked again by the next health request', async () => {
    const version = jest
      .fn<Promise<EngineVersionInfo>, []>()
      .mockRejectedValueOnce(new Error('connect ENOENT /var/run/docker.sock'))
      .mockRejectedValueOnce(new Error('connect ENOENT /var/run/docker.sock'))
      .mockResolvedValue({ version: '20.10.0', apiVersion: '1.41' });
    const status = new EngineStatus(version);
    await status.refresh();
    expect(await status.health()).toEqual({
      status: 'degraded',
      docker: { state: 'unavailable', error: 'connect ENOENT /var/run/docker.sock' },
    });
    expect(await status.health()).toEqual({
      status: 'running',
      docker: expect.objectContaining({ state: 'available' }),
    });
    expect(version).toHaveBeenCalledTimes(3);
  });
});
