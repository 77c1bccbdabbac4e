import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { EventHandlers, EventSubscription } from './container-backend';
import { ContainerBackendError, EngineUnavailableError } from './errors';
import { mapEvent, type RawEvent } from './map-inspect';

/**
 * Delivers the engine's event stream (one JSON object per line) as container events until closed.
 * Any end the caller did not ask for, a failing handler included, is reported once through `onError`
 * so the caller can resubscribe and reconcile.
 */
export function followEvents(
  source: Readable,
  handlers: EventHandlers,
  toError: (error: unknown) => Error,
): EventSubscription {
  const decoder = new StringDecoder('utf8');
  let buffered = '';
  let closed = false;

  const close = () => {
    if (closed) return;
    closed = true;
    source.destroy();
  };
  const fail = (error: Error) => {
    if (closed) return;
    close();
    handlers.onError?.(error);
  };

  source.on('data', (chunk: Buffer) => {
    buffered += decoder.write(chunk);
    for (let newline = buffered.indexOf('\n'); newline >= 0 && !closed; newline = buffered.indexOf('\n')) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (line.length === 0) continue;
      let raw: RawEvent;
      try {
        raw = JSON.parse(line) as RawEvent;
      } catch (error) {
        fail(
          new ContainerBackendError(`Unreadable event from the engine: ${line.slice(0, 200)}`, undefined, {
            cause: error,
          }),
        );
        return;
      }
      const event = mapEvent(raw);
      if (!event) continue;
      try {
        handlers.onEvent(event);
      } catch (error) {
        fail(error instanceof Error ? error : new Error(String(error)));
      }
    }
  });
  source.on('error', (error) => fail(toError(error)));
  source.on('end', () => fail(new EngineUnavailableError('The engine ended the event stream.')));
  source.on('close', () => fail(new EngineUnavailableError('The event stream closed.')));

  return {
    close,
    get closed() {
      return closed;
    },
  };
}
