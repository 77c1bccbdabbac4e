import { candidates, checkNewName, isUnderPath, parameterArn, splitSelector } from './names';

describe('parameter names', () => {
  it('forms ARNs as SSM does, with and without a leading slash, in the region partition', () => {
    expect(parameterArn({ accountId: '111122223333', region: 'eu-west-1' }, '/a/b')).toBe(
      'arn:aws:ssm:eu-west-1:111122223333:parameter/a/b',
    );
    expect(parameterArn({ accountId: '111122223333', region: 'cn-north-1' }, 'a')).toBe(
      'arn:aws-cn:ssm:cn-north-1:111122223333:parameter/a',
    );
  });

  it('reads selectors after the name, ARN forms included', () => {
    expect(splitSelector('/a/b')).toEqual({ name: '/a/b' });
    expect(splitSelector('/a/b:3')).toEqual({ name: '/a/b', selector: '3' });
    expect(splitSelector('arn:aws:ssm:us-east-1:000000000000:parameter/a/b:prod')).toEqual({
      name: 'arn:aws:ssm:us-east-1:000000000000:parameter/a/b',
      selector: 'prod',
    });
    // An ARN's path can name `a` or `/a`.
    expect(candidates('arn:aws:ssm:us-east-1:000000000000:parameter/a')).toEqual(['/a', 'a']);
    expect(candidates('arn:aws:ssm:us-east-1:000000000000:parameter/a/b')).toEqual(['/a/b']);
  });

  it('places names in a hierarchy, one level or recursively', () => {
    expect(isUnderPath('/a/b', '/a', false)).toBe(true);
    expect(isUnderPath('/a/b/c', '/a', false)).toBe(false);
    expect(isUnderPath('/a/b/c', '/a/', true)).toBe(true);
    expect(isUnderPath('/ab', '/a', true)).toBe(false);
    expect(isUnderPath('/a', '/a', true)).toBe(false);
    expect(isUnderPath('top', '/', false)).toBe(true);
  });

  it('refuses what PutParameter refuses', () => {
    expect(() => checkNewName('/ok/name_1.2-3')).not.toThrow();
    for (const bad of ['awsx', '/ssm/x', 'a/b', '/a//b', '/a/', 'a b', 'a:b']) {
      expect(() => checkNewName(bad)).toThrow(expect.objectContaining({ code: 'ValidationException' }));
    }
    expect(() => checkNewName('/aws/x/y')).toThrow(expect.objectContaining({ code: 'AccessDeniedException' }));
    expect(() => checkNewName(`/${'l/'.repeat(15)}x`)).toThrow(
      expect.objectContaining({ code: 'HierarchyLevelLimitExceededException' }),
    );
  });

  it('quotes a name of up to 1,024 characters whole, a longer one (the model allows 2,048) by its start', () => {
    const reserved = `/aws/${'r'.repeat(2_043)}`;
    expect(() => checkNewName(reserved)).toThrow(`No access to reserved parameter name: ${reserved.slice(0, 1_024)}….`);
    const deep = `/${'l/'.repeat(15)}${'x'.repeat(2_017)}`;
    expect(() => checkNewName(deep)).toThrow(`levels: ${deep.slice(0, 1_024)}…`);
    const real = `/aws/${'r'.repeat(1_019)}`;
    expect(() => checkNewName(real)).toThrow(`No access to reserved parameter name: ${real}.`);
  });
});
