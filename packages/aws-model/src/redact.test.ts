import { REDACTED, redactSensitive } from './redact';
import { ModelValidator } from './validator';
import type { ServiceModel } from './model';

const model = {
  source: { package: 'test', version: '0', smithyCore: '0', overlay: null },
  service: { name: 'test', protocol: 'awsJson1_1', targetPrefix: 'test' },
  operations: { Op: { input: 'In', output: 'Out', errors: [] } },
  structures: {
    In: {
      members: {
        Name: 'string',
        Secret: { type: 'string', sensitive: true, length: [0, 5] },
        Env: { list: { structure: 'Pair' }, sensitive: true },
      },
      required: [],
    },
    Out: {
      members: { Entries: { list: { structure: 'Entry' } }, ByKey: { map: { structure: 'Entry' } } },
      required: [],
    },
    Entry: { members: { Id: 'string', Value: { type: 'blob', sensitive: true } }, required: [] },
    Pair: { members: { name: 'string', value: { type: 'string', length: [0, 3] } }, required: [] },
  },
  errors: {},
} as unknown as ServiceModel;

describe('redactSensitive', () => {
  it('replaces sensitive values, whole lists and structures included, and keeps the rest', () => {
    expect(
      redactSensitive(model, 'Op', 'input', { Name: 'n', Secret: 's', Env: [{ name: 'a', value: 'b' }], Extra: 1 }),
    ).toEqual({ Name: 'n', Secret: REDACTED, Env: REDACTED, Extra: 1 });
    expect(
      redactSensitive(model, 'Op', 'output', {
        Entries: [{ Id: '1', Value: 'AAEC' }],
        ByKey: { k: { Id: '2', Value: 'x' } },
      }),
    ).toEqual({ Entries: [{ Id: '1', Value: REDACTED }], ByKey: { k: { Id: '2', Value: REDACTED } } });
  });

  it('leaves bodies of unknown operations and unexpected types as they are', () => {
    expect(redactSensitive(model, 'Other', 'input', { Secret: 's' })).toEqual({ Secret: 's' });
    expect(redactSensitive(model, 'Op', 'output', { Entries: 'not a list' })).toEqual({ Entries: 'not a list' });
  });
});

describe('validation messages of sensitive members', () => {
  it('never quote the value, also inside a sensitive list', () => {
    const validator = new ModelValidator(model);
    expect(() => validator.validate('Op', { Secret: 'toolong', Name: 'x' })).toThrow(
      "1 validation error detected: Value at 'Secret' failed to satisfy constraint: Member must have length less than or equal to 5",
    );
    expect(() => validator.validate('Op', { Env: [{ name: 'a', value: 'hidden' }] })).toThrow(
      "Value at 'Env.1.member.value' failed",
    );
  });
});
