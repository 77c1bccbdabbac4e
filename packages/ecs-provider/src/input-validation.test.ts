import { ModelValidator } from '@localcloud/aws-model';
import { ECS_MODEL } from './provider';

describe('ECS input validation from the generated model', () => {
  const validator = new ModelValidator(ECS_MODEL, { validationErrorCode: 'InvalidParameterException' });
  const messageOf = (operation: string, input: unknown) => {
    try {
      validator.validate(operation, input);
      return undefined;
    } catch (error) {
      return (error as Error & { code: string }).code + ': ' + (error as Error).message;
    }
  };

  it('has an input for every ECS operation, and none for unknown ones', () => {
    for (const operation of [
      'CreateCluster',
      'RegisterTaskDefinition',
      'RunTask',
      'CreateService',
      'PutAccountSetting',
    ]) {
      expect(ECS_MODEL.operations[operation]?.input).toBe(`${operation}Request`);
    }
    expect(ECS_MODEL.operations.NoSuchOperation).toBeUndefined();
  });

  it('maps required and enum errors to InvalidParameterException naming the member', () => {
    expect(messageOf('RegisterTaskDefinition', { containerDefinitions: [] })).toBe(
      "InvalidParameterException: 1 validation error detected: Value null at 'family' failed to satisfy constraint: Member must not be null",
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

  it('answers a wrong JSON type with SerializationException, as ECS does', () => {
    expect(messageOf('CreateCluster', { clusterName: 5 })).toBe(
      "SerializationException: Value at 'clusterName' must be a string, not a number.",
    );
  });

  it('checks the lengths and patterns of the constraints overlay', () => {
    expect(messageOf('TagResource', { resourceArn: 'a', tags: [{ key: '', value: 'v' }] })).toBe(
      "InvalidParameterException: 1 validation error detected: Value '' at 'tags.1.member.key' failed to satisfy constraint: " +
        'Member must have length greater than or equal to 1',
    );
  });

  it('quotes a huge or deeply nested value in a bounded message, without overflowing the stack', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(messageOf('CreateCluster', { clusterName: deep })).toBe(
      "SerializationException: Value at 'clusterName' must be a string, not a list.",
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
