import { deregistrationVerdict, ProviderMissingError } from './deregistration-errors';

const gone = new Set(['InvalidTarget']);
const error = (code: string, statusCode?: number) => Object.assign(new Error(code), { code, statusCode });

describe('deregistrationVerdict', () => {
  test.each([
    ['InvalidTarget', 400, 'gone'],
    ['ValidationError', 400, 'final'],
    ['InvalidInput', undefined, 'final'],
    ['InvalidConfigurationRequest', 400, 'final'],
    ['ThrottlingException', 400, 'retry'],
    ['Throttling', 400, 'retry'],
    ['ResourceInUse', 400, 'retry'],
    ['DuplicateRequest', 400, 'retry'],
    ['InternalFailure', 500, 'retry'],
    ['ServiceNotEnabledException', 501, 'retry'],
    ['SomethingNew', undefined, 'retry'],
  ])('%s (%s) is %s', (code, status, verdict) => {
    expect(deregistrationVerdict(error(code, status), gone)).toBe(verdict);
  });

  test('a provider that is not enabled is missing; a plain error is retried', () => {
    expect(deregistrationVerdict(new ProviderMissingError('elasticloadbalancing'), gone)).toBe('missing');
    expect(deregistrationVerdict(new Error('socket hang up'), gone)).toBe('retry');
  });
});
