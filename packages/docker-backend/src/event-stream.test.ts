import { PassThrough } from 'node:stream';
import type { ContainerEvent } from './container-backend';
import { EngineUnavailableError } from './errors';
import { followEvents } from './event-stream';

const die = {
  status: 'die',
  id: 'abc',
  Type: 'container',
  Action: 'die',
  Actor: { ID: 'abc', Attributes: { exitCode: '137', image: 'img:1', name: 'web', 'my.label': 'x' } },
  scope: 'local',
  time: 1767323045,
  // As JSON.parse reads it: nanoseconds beyond a double's precision are lost anyway.
  timeNano: 1767323045123 * 1e6,
};
const health = {
  ...die,
  Action: 'health_status: healthy',
  Actor: { ID: 'abc', Attributes: { image: 'img:1', name: 'web' } },
};

function subscribe(source: PassThrough) {
  const events: ContainerEvent[] = [];
  const errors: Error[] = [];
  const subscription = followEvents(
    source,
    { onEvent: (event) => events.push(event), onError: (error) => errors.push(error) },
    (error) => new EngineUnavailableError(String(error)),
  );
  return { events, errors, subscription };
}

describe('followEvents', () => {
  test('maps JSON lines split anywhere to container events', () => {
    const source = new PassThrough();
    const { events, errors } = subscribe(source);
    const text = `${JSON.stringify(die)}\n${JSON.stringify({ Type: 'network', Action: 'connect', Actor: { ID: 'n' } })}\n${JSON.stringify(health)}\n`;
    for (let i = 0; i < text.length; i += 5) source.write(text.slice(i, i + 5));
    expect(events).toEqual([
      {
        id: 'abc',
        action: 'die',
        name: 'web',
        image: 'img:1',
        exitCode: 137,
        labels: { 'my.label': 'x' },
        time: new Date(1767323045123),
      },
      {
        id: 'abc',
        action: 'health_status',
        healthStatus: 'healthy',
        name: 'web',
        image: 'img:1',
        labels: {},
        time: new Date(1767323045123),
      },
    ]);
    expect(errors).toEqual([]);
  });

  test('reports the end of the stream once, as engine loss', () => {
    const source = new PassThrough();
    const { errors, subscription } = subscribe(source);
    source.end();
    source.resume();
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        expect(errors).toHaveLength(1);
        expect(errors[0]).toBeInstanceOf(EngineUnavailableError);
        expect(subscription.closed).toBe(true);
        resolve();
      }),
    );
  });

  test('reports a stream error once', () => {
    const source = new PassThrough();
    const { errors } = subscribe(source);
    source.destroy(new Error('read ECONNRESET'));
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        expect(errors.map((e) => e.message)).toEqual(['Error: read ECONNRESET']);
        resolve();
      }),
    );
  });

  test('close() ends quietly and destroys the stream', () => {
    const source = new PassThrough();
    const { events, errors, subscription } = subscribe(source);
    subscription.close();
    subscription.close();
    source.write(`${JSON.stringify(die)}\n`);
    expect(source.destroyed).toBe(true);
    expect(events).toEqual([]);
    expect(errors).toEqual([]);
  });

  test('a handler that throws closes the subscription and reports the error', () => {
    const source = new PassThrough();
    const errors: Error[] = [];
    const subscription = followEvents(
      source,
      {
        onEvent: () => {
          throw new Error('handler bug');
        },
        onError: (error) => errors.push(error),
      },
      (error) => error as Error,
    );
    source.write(`${JSON.stringify(die)}\n`);
    expect(errors.map((e) => e.message)).toEqual(['handler bug']);
    expect(subscription.closed).toBe(true);
  });
});
