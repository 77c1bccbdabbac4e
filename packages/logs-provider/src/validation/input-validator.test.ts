import { InputValidator } from './input-validator';
import type { InputShapes } from './shape';
import { LOGS_INPUT_SHAPES } from '../generated/logs-input-shapes';

class Invalid extends Error {}

describe('InputValidator', () => {
  const shapes: InputShapes = {
    operations: { Put: 'PutRequest' },
    structures: {
      PutRequest: {
        members: { name: 'string', events: { list: { structure: 'Event' } }, tags: { map: 'string' }, flag: 'boolean' },
        required: ['name', 'events'],
      },
      Event: { members: { timestamp: 'number', message: 'string' }, required: ['timestamp', 'message'] },
    },
  };
  const validator = new InputValidator(shapes, (message) => new Invalid(message));
  const check = (input: unknown) => () => validator.validate('Put', input);

  it('accepts a complete input and ignores members the model does not know', () => {
    expect(check({ name: 'n', events: [{ timestamp: 1, message: 'm' }], tags: { a: 'b' }, extra: 1 })).not.toThrow();
  });

  it('collects missing required members, nested ones with their AWS path', () => {
    expect(check({ events: [{ timestamp: 1 }, null] })).toThrow(
      new Invalid(
        "3 validation errors detected: Value null at 'name' failed to satisfy constraint: Member must not be null; " +
          "Value null at 'events.1.member.message' failed to satisfy constraint: Member must not be null; " +
          "Value null at 'events.2.member' failed to satisfy constraint: Member must not be null",
      ),
    );
  });

  it('answers a member of the wrong JSON type as a SerializationException', () => {
    for (const input of [
      { name: 1, events: [] },
      { name: 'n', events: {} },
      { name: 'n', events: [{ timestamp: '1', message: 'm' }] },
      { name: 'n', events: [], tags: { a: 1 } },
      { name: 'n', events: [], flag: 'true' },
    ]) {
      expect(check(input)).toThrow(expect.objectContaining({ code: 'SerializationException' }));
    }
  });

  it('knows the required members of the real Logs operations', () => {
    expect(LOGS_INPUT_SHAPES.structures[LOGS_INPUT_SHAPES.operations.PutLogEvents!]!.required).toEqual([
      'logGroupName',
      'logStreamName',
      'logEvents',
    ]);
    expect(LOGS_INPUT_SHAPES.structures[LOGS_INPUT_SHAPES.operations.GetLogEvents!]!.required).toEqual([
      'logStreamName',
    ]);
    expect(LOGS_INPUT_SHAPES.structures[LOGS_INPUT_SHAPES.operations.DescribeLogGroups!]!.required).toEqual([]);
  });

  it('reads null members as absent, so handlers never see null', () => {
    const input: Record<string, unknown> = { name: 'n', events: [], flag: null, tags: null };
    expect(check(input)).not.toThrow();
    expect(input).toEqual({ name: 'n', events: [] });
  });

  it('counts every problem but spells out only the first ten', () => {
    const events = Array.from({ length: 5_000 }, () => ({ timestamp: 1 }));
    expect(check({ name: 'n', events })).toThrow(
      /^5000 validation errors detected: (Value null [^;]*; ){10}and 4990 more$/,
    );
  });

  it('refuses a null map value, which handlers would read as a string', () => {
    expect(check({ name: 'n', events: [], tags: { a: null } })).toThrow(
      new Invalid(
        "1 validation error detected: Value null at 'tags.a' failed to satisfy constraint: Member must not be null",
      ),
    );
  });
});
