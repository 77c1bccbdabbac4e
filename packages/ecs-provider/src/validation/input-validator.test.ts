import { InputValidator } from './input-validator';

describe('InputValidator', () => {
  const validator = new InputValidator();
  const messageOf = (operation: string, input: unknown) => {
    try {
      validator.validate(operation, input);
      return undefined;
    } catch (error) {
      return (error as Error & { code: string }).code + ': ' + (error as Error).message;
    }
  };

  it('compiles nothing until an operation is validated', () => {
    const fresh = new InputValidator();
    expect((fresh as unknown as { ajv?: unknown }).ajv).toBeUndefined();
    fresh.validate('ListClusters', {});
    expect((fresh as unknown as { validators: Map<string, unknown> }).validators.size).toBe(1);
  });

  it('has a schema for every ECS operation', () => {
    for (const operation of [
      'CreateCluster',
      'RegisterTaskDefinition',
      'RunTask',
      'CreateService',
      'PutAccountSetting',
    ]) {
      expect(validator.validatorFor(operation)).not.toBeNull();
    }
    expect(validator.validatorFor('NoSuchOperation')).toBeNull();
  });

  it('maps required, type and enum errors to InvalidParameterException naming the member', () => {
    expect(messageOf('RegisterTaskDefinition', { containerDefinitions: [] })).toBe(
      "InvalidParameterException: 1 validation error detected: Value null at 'family' failed to satisfy constraint: Member must not be null",
    );
    expect(messageOf('CreateCluster', { clusterName: 5 })).toBe(
      "InvalidParameterException: 1 validation error detected: Value '5' at 'clusterName' failed to satisfy constraint: Member must be of type string",
    );
    expect(
      messageOf('RegisterTaskDefinition', {
        family: 'f',
        containerDefinitions: [{ name: 'a', dependsOn: [{ containerName: 'b', condition: 'SOON' }] }],
      }),
    ).toBe(
      "InvalidParameterException: 1 validation error detected: Value 'SOON' at 'containerDefinitions.1.member.dependsOn.1.member.condition' " +
        'failed to satisfy constraint: Member must satisfy enum value set: [COMPLETE, HEALTHY, START, SUCCESS]',
    );
    expect(messageOf('CreateCluster', { clusterName: 'ok', unknownMember: true })).toBeUndefined();
  });

  it('quotes a huge or deeply nested value in a bounded message, without overflowing the stack', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(messageOf('CreateCluster', { clusterName: deep })).toBe(
      `InvalidParameterException: 1 validation error detected: Value '${'['.repeat(100)}…' at 'clusterName' ` +
        'failed to satisfy constraint: Member must be of type string',
    );
    const huge = messageOf('CreateCluster', { clusterName: 'ok', settings: [{ name: 'x'.repeat(1_000_000) }] });
    expect(huge).toContain(`Value '${'x'.repeat(100)}…' at 'settings.1.member.name'`);
    expect(huge!.length).toBeLessThan(400);
    const key = messageOf('RegisterTaskDefinition', {
      family: 'f',
      containerDefinitions: [{ name: 'c', dockerLabels: { ['k'.repeat(1_000_000)]: 1 } }],
    });
    expect(key).toContain(`at 'containerDefinitions.1.member.dockerLabels.${'k'.repeat(100)}…'`);
  });
});
