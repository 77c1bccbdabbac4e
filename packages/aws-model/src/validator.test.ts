import { ModelValidator, codePointLength, compilePattern } from './validator';
import { badInputRule } from './bad-input';
import { valueText } from './messages';
import type { ServiceModel } from './model';

const model = (protocol: ServiceModel['service']['protocol']): ServiceModel => ({
  source: { package: 'test', version: '0', smithyCore: '0', overlay: null },
  service: { name: 'test', protocol },
  operations: { Put: { input: 'PutRequest', errors: [] }, NoInput: { errors: [] } },
  structures: {
    PutRequest: {
      members: {
        name: { type: 'string', length: [1, 8], pattern: '[a-z]+' },
        events: { list: { structure: 'Event' }, length: [1, 2] },
        tags: { map: 'string', length: [null, 1] },
        flag: 'boolean',
        mode: { type: 'string', enum: ['A', 'B'] },
        modes: { list: { type: 'string', enum: ['A', 'B'] } },
        limit: { type: 'number', range: [1, 50] },
        at: 'timestamp',
        doc: 'document',
      },
      required: ['name', 'events'],
    },
    Event: { members: { timestamp: 'number', message: 'string' }, required: ['timestamp', 'message'] },
  },
  errors: {},
});

describe('ModelValidator', () => {
  const validator = new ModelValidator(model('awsJson1_1'), { validationErrorCode: 'InvalidParameterException' });
  const outcome = (input: unknown, v = validator) => {
    try {
      v.validate('Put', input);
      return 'ok';
    } catch (error) {
      return `${(error as { code: string }).code} ${(error as { statusCode: number }).statusCode}: ${(error as Error).message}`;
    }
  };
  const valid = { name: 'n', events: [{ timestamp: 1, message: 'm' }] };

  it('accepts a valid input, ignores unknown members and treats null as absent', () => {
    expect(outcome({ ...valid, tags: { a: 'b' }, extra: { x: 1 }, flag: null, doc: [1, { a: 2 }], at: 1.5 })).toBe(
      'ok',
    );
    expect(() => validator.validate('NoInput', { anything: 1 })).not.toThrow();
    expect(() => validator.validate('NotInTheModel', 5)).not.toThrow();
  });

  it('collects missing required members, nested ones with their AWS path, into one error', () => {
    expect(outcome({ events: [{ timestamp: 1 }, null] })).toBe(
      'InvalidParameterException 400: 3 validation errors detected: ' +
        "Value null at 'name' failed to satisfy constraint: Member must not be null; " +
        "Value null at 'events.1.member.message' failed to satisfy constraint: Member must not be null; " +
        "Value null at 'events.2.member' failed to satisfy constraint: Member must not be null",
    );
  });

  it('checks enums, lengths, ranges and anchored patterns with AWS messages', () => {
    expect(outcome({ ...valid, mode: 'C' })).toBe(
      "InvalidParameterException 400: 1 validation error detected: Value 'C' at 'mode' failed to satisfy constraint: " +
        'Member must satisfy enum value set: [A, B]',
    );
    expect(outcome({ ...valid, modes: ['A', 'X'] })).toContain("Value 'X' at 'modes.2.member'");
    expect(outcome({ ...valid, name: '' })).toContain('Member must have length greater than or equal to 1');
    expect(outcome({ ...valid, name: 'abcdefghi' })).toContain('Member must have length less than or equal to 8');
    expect(outcome({ ...valid, name: 'ab1' })).toContain(
      "Value 'ab1' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-z]+",
    );
    expect(outcome({ ...valid, events: [] })).toContain(
      "Value '[]' at 'events' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
    expect(outcome({ ...valid, tags: { a: 'x', b: 'y' } })).toContain("at 'tags'");
    expect(outcome({ ...valid, limit: 51 })).toBe(
      "InvalidParameterException 400: 1 validation error detected: Value '51' at 'limit' failed to satisfy constraint: " +
        'Member must have value less than or equal to 50',
    );
    expect(outcome({ ...valid, limit: 0, mode: 'Z' })).toMatch(/^InvalidParameterException 400: 2 validation errors/);
  });

  it('answers a wrong JSON type with SerializationException before any constraint', () => {
    for (const input of [
      { name: 1, events: [] },
      { name: 'n', events: {} },
      { name: 'n', events: [{ timestamp: '1', message: 'm' }] },
      { ...valid, tags: { a: 1 } },
      { ...valid, tags: [] },
      { ...valid, flag: 'true' },
      { ...valid, at: 'yesterday' },
      { ...valid, limit: 'NaN', mode: 'Z' },
    ]) {
      expect(outcome(input)).toMatch(/^SerializationException 400: Value at '[\w.]+' must be /);
    }
    expect(
      outcome({
        name: 'n',
        events: [
          { timestamp: 1, message: 'm' },
          { timestamp: 1, message: 5 },
        ],
      }),
    ).toBe("SerializationException 400: Value at 'events.2.member.message' must be a string, not a number.");
    expect(outcome([])).toBe(
      "SerializationException 400: Value at 'the request body' must be a structure, not a list.",
    );
  });

  it('uses the protocol default validation code when the service names none', () => {
    expect(outcome({}, new ModelValidator(model('awsJson1_0')))).toMatch(/^ValidationException 400: 2 validation/);
    expect(badInputRule('awsQuery')).toEqual({
      typeMismatch: { code: 'ValidationError', status: 400 },
      constraint: { code: 'ValidationError', status: 400 },
    });
    expect(badInputRule('restJson1', 'BadRequestException').typeMismatch.code).toBe('SerializationException');
  });

  it('shows values as AWS does, bounded to 100 characters even for huge lists', () => {
    expect(valueText(undefined)).toBe('null');
    expect(valueText(5)).toBe("'5'");
    expect(valueText(['a', 'b'])).toBe("'[a, b]'");
    expect(valueText('x'.repeat(150))).toBe(`'${'x'.repeat(100)}…'`);
    const huge = Array.from({ length: 1_000_000 }, () => 'abc');
    expect(valueText(huge)).toHaveLength(103);
  });

  it('compiles Java-style model patterns, anchored, with or without the u flag', () => {
    expect(compilePattern('[\\p{L}\\p{N}_.]+')!.test('Ünïcode_1')).toBe(true);
    expect(compilePattern('^[\\w\\.\\-\\:\\/ ]*$')!.test('a:b/c d')).toBe(true);
    expect(compilePattern('[a-z]+')!.test('ab1')).toBe(false);
    expect(compilePattern('(')).toBeNull();
  });

  it('reads null members as absent and removes them, so handlers never see null', () => {
    const input: Record<string, unknown> = { ...valid, flag: null, tags: null };
    expect(outcome(input)).toBe('ok');
    expect(input).toEqual(valid);
  });

  it('judges an input by the members it has as the worded pass does, inherited names included', () => {
    // The first pass reads only the input's own members; one named as an Object.prototype property reads
    // the inherited value when absent, as the pass that words errors does.
    const odd = model('awsJson1_1');
    const withValueOf: ServiceModel = {
      ...odd,
      structures: {
        ...odd.structures,
        Event: { members: { valueOf: 'number', message: 'string' } as const, required: [] },
      },
    };
    const v = new ModelValidator(withValueOf);
    expect(outcome({ name: 'n', events: [{ valueOf: 1 }] }, v)).toBe('ok');
    // Its own null is absent, read once (not then read again as the inherited function).
    expect(outcome({ name: 'n', events: [{ valueOf: null, message: 'm' }] }, v)).toBe('ok');
    expect(outcome({ name: 'n', events: [{ message: 'm' }] }, v)).toBe(
      "SerializationException 400: Value at 'events.1.member.valueOf' must be a number, not a function.",
    );
    // Unknown members are skipped, known ones checked, wherever they come in the input.
    expect(outcome({ zzz: 1, events: [{ timestamp: 1, message: 'm', extra: {} }], name: 'n' })).toBe('ok');
    expect(outcome({ events: [{ timestamp: 1, message: 'm' }], name: 'n', limit: 99 })).toContain("at 'limit'");
  });

  it('refuses a null map value, as maps are not sparse', () => {
    expect(outcome({ ...valid, tags: { a: null } })).toBe(
      "InvalidParameterException 400: 1 validation error detected: Value null at 'tags.a' failed to satisfy constraint: " +
        'Member must not be null',
    );
  });

  it('counts every problem but spells out only the first ten', () => {
    const events = Array.from({ length: 5_000 }, () => ({ timestamp: 1 }));
    // 5,000 missing messages and the list's own length limit (2 in this model)
    expect(outcome({ name: 'n', events })).toMatch(
      /^InvalidParameterException 400: 5001 validation errors detected: (Value [^;]*; ){10}and 4991 more$/,
    );
  });

  it('stops listing problems before the message gets long, whatever their paths and values', () => {
    // Ten problems that each quote a 100-character value under a long path would pass 2,000 characters.
    const modes = Array.from({ length: 12 }, () => 'x'.repeat(5_000));
    const message = outcome({ ...valid, modes });
    expect(message).toMatch(/validation errors detected: .*; and \d+ more$/);
    expect(message.length).toBeLessThan(1_700);
  });

  it('keeps messages bounded for huge or deeply nested values and huge map keys, without overflowing the stack', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(outcome({ ...valid, mode: deep })).toBe(
      "SerializationException 400: Value at 'mode' must be a string, not a list.",
    );
    expect(valueText(deep)).toBe(`'${'['.repeat(100)}…'`);
    expect(valueText({ a: deep })).toHaveLength(103);
    const huge = outcome({ ...valid, mode: 'x'.repeat(1_000_000) });
    expect(huge).toContain(`Value '${'x'.repeat(100)}…' at 'mode'`);
    expect(huge.length).toBeLessThan(400);
    const key = outcome({ ...valid, tags: { ['k'.repeat(1_000_000)]: 1 } });
    expect(key).toBe(`SerializationException 400: Value at 'tags.${'k'.repeat(100)}…' must be a string, not a number.`);
  });
});

describe('codePointLength', () => {
  it('counts as spreading the string does, surrogates included', () => {
    const units = ['a', 'é', '\ud83d', '\ude00', '\ud800', '\udfff', 'z'];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let n = 0; n < 2000; n++) {
      let text = '';
      for (let i = next() % 12; i > 0; i--) text += units[next() % units.length];
      expect(codePointLength(text)).toBe([...text].length);
    }
  });
});
