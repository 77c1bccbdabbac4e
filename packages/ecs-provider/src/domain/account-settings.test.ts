import { validatePrincipalArn, validateSettingValue } from './account-settings';
import { validateRegistration } from './task-definition';

/** Messages quote the offending value, cut to a readable length: never a megabyte echoed back. */
describe('messages quoting huge values', () => {
  const messageOf = (fn: () => void) => {
    try {
      fn();
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error('expected an error');
  };
  const huge = 'v'.repeat(1_000_000);

  it('cuts the value of an account setting and a principal ARN', () => {
    const setting = messageOf(() => validateSettingValue('containerInsights', huge));
    expect(setting).toMatch(/^Invalid value 'v{100}…' for the account setting containerInsights\. Valid values: /);
    expect(messageOf(() => validatePrincipalArn(huge, '000000000000')).length).toBeLessThan(300);
  });

  it('cuts a task definition family and a container name', () => {
    expect(messageOf(() => validateRegistration({ family: huge, containerDefinitions: [] })).length).toBeLessThan(300);
    const container = messageOf(() =>
      validateRegistration({ family: 'f', containerDefinitions: [{ name: huge, image: 'i', memory: 64 }] }),
    );
    expect(container).toMatch(/^Invalid container name 'v{100}…': /);
  });
});
