import type { RegisterTaskDefinitionRequest } from '@aws-sdk/client-ecs';
import {
  TASK_DEFINITION_MAX_BYTES,
  assertTaskDefinitionSize,
  buildTaskDefinition,
  isValidFamily,
  validateRegistration,
} from './task-definition';

const base: RegisterTaskDefinitionRequest = {
  family: 'f',
  containerDefinitions: [{ name: 'a', image: 'x', memory: 64 }],
};
const facts = {
  taskDefinitionArn: 'arn:aws:ecs:us-east-1:000000000000:task-definition/f:1',
  revision: 1,
  registeredAt: new Date(0),
  registeredBy: 'arn:aws:iam::000000000000:root',
};

describe('task definition rules', () => {
  it('checks family names: letters, numbers, hyphens, underscores, up to 255', () => {
    expect(isValidFamily('my_family-1')).toBe(true);
    expect(isValidFamily('f'.repeat(255))).toBe(true);
    expect(isValidFamily('f'.repeat(256))).toBe(false);
    expect(isValidFamily('a.b')).toBe(false);
    expect(isValidFamily('')).toBe(false);
  });

  it('accepts a minimal EC2 definition and a task-level memory instead of container memory', () => {
    expect(() => validateRegistration(base)).not.toThrow();
    expect(() =>
      validateRegistration({ family: 'f', memory: '512', containerDefinitions: [{ name: 'a', image: 'x' }] }),
    ).not.toThrow();
  });

  it('waives container memory unless strict, returning AWS’s refusal, which strict throws', () => {
    const noMemory = { family: 'f', containerDefinitions: [{ name: 'a', image: 'x' }] };
    const refusal =
      "Invalid setting for container 'a'. At least one of 'memory' or 'memoryReservation' must be specified.";
    expect(validateRegistration(noMemory)).toEqual([refusal]);
    expect(validateRegistration(base, { strict: true })).toEqual([]);
    expect(() => validateRegistration(noMemory, { strict: true })).toThrow(refusal);
  });

  it('refuses a memoryReservation above memory and port mappings under networkMode none', () => {
    expect(() =>
      validateRegistration({
        ...base,
        containerDefinitions: [{ name: 'a', image: 'x', memory: 64, memoryReservation: 128 }],
      }),
    ).toThrow(/memoryReservation/);
    expect(() =>
      validateRegistration({
        ...base,
        networkMode: 'none',
        containerDefinitions: [{ name: 'a', image: 'x', memory: 64, portMappings: [{ containerPort: 80 }] }],
      }),
    ).toThrow(/networkMode=none/);
  });

  it('refuses dependsOn that could never hold: cycles, HEALTHY without a health check, COMPLETE on an essential container', () => {
    const register = (containerDefinitions: RegisterTaskDefinitionRequest['containerDefinitions']) => () =>
      validateRegistration({ ...base, containerDefinitions });
    expect(
      register([
        { name: 'a', image: 'x', memory: 64, dependsOn: [{ containerName: 'b', condition: 'START' }] },
        { name: 'b', image: 'x', memory: 64, dependsOn: [{ containerName: 'a', condition: 'START' }] },
      ]),
    ).toThrow(/a → b → a form a cycle/);
    // A cycle through many long names is quoted by its start: the message stays bounded.
    const names = Array.from({ length: 40 }, (_, i) => `${i}`.padStart(255, 'c'));
    const cycle = register(
      names.map((name, i) => ({
        name,
        image: 'x',
        memory: 64,
        dependsOn: [{ containerName: names[(i + 1) % names.length]!, condition: 'START' as const }],
      })),
    );
    expect(cycle).toThrow(/^Invalid 'dependsOn' settings: the containers c{254}0 → c{254}1 → .*… form a cycle\.$/);
    expect(cycle).toThrow(expect.objectContaining({ message: expect.stringMatching(/^.{1,1100}$/) }));
    expect(
      register([
        { name: 'a', image: 'x', memory: 64, dependsOn: [{ containerName: 'b', condition: 'HEALTHY' }] },
        { name: 'b', image: 'x', memory: 64 },
      ]),
    ).toThrow(/HEALTHY condition requires container 'b' to have a health check/);
    expect(
      register([
        { name: 'a', image: 'x', memory: 64, dependsOn: [{ containerName: 'b', condition: 'COMPLETE' }] },
        { name: 'b', image: 'x', memory: 64 },
      ]),
    ).toThrow(/COMPLETE condition can't be set on the essential container 'b'/);
    expect(
      register([
        { name: 'a', image: 'x', memory: 64, dependsOn: [{ containerName: 'b', condition: 'SUCCESS' }] },
        { name: 'b', image: 'x', memory: 64, essential: false },
      ]),
    ).not.toThrow();
  });

  it('refuses container memory and port numbers out of range with ECS’s words, field by field', () => {
    const container = (extra: object) => ({ ...base, containerDefinitions: [{ name: 'a', image: 'x', ...extra }] });
    const minimum = (field: string) =>
      `Invalid setting for container 'a'. The minimum allowed value for '${field}' is 6 MiB.`;
    expect(() => validateRegistration(container({ memory: 5 }))).toThrow(minimum('memory'));
    expect(() => validateRegistration(container({ memory: 6.5 }))).toThrow(minimum('memory'));
    expect(() => validateRegistration(container({ memory: 64, memoryReservation: 5 }))).toThrow(
      minimum('memoryReservation'),
    );
    // memory is checked before memoryReservation.
    expect(() => validateRegistration(container({ memory: 1, memoryReservation: 1 }))).toThrow(minimum('memory'));
    expect(validateRegistration(container({ memory: 6, memoryReservation: 6 }))).toEqual([]);

    const port = (field: string) =>
      `Invalid 'portMappings' setting for container 'a': '${field}' must be a port number from 1 to 65535.`;
    const mapping = (portMapping: object) => container({ memory: 64, portMappings: [portMapping] });
    expect(() => validateRegistration(mapping({ containerPort: 0 }))).toThrow(port('containerPort'));
    expect(() => validateRegistration(mapping({ containerPort: 65536 }))).toThrow(port('containerPort'));
    expect(() => validateRegistration(mapping({ containerPort: 80.5 }))).toThrow(port('containerPort'));
    expect(() => validateRegistration(mapping({ containerPort: 80, hostPort: -1 }))).toThrow(port('hostPort'));
    expect(() => validateRegistration(mapping({ containerPort: 80, hostPort: 65536 }))).toThrow(port('hostPort'));
    // containerPort is checked before hostPort; a host port of 0 asks for a dynamic one.
    expect(() => validateRegistration(mapping({ containerPort: 0, hostPort: -1 }))).toThrow(port('containerPort'));
    expect(validateRegistration(mapping({ containerPort: 65535, hostPort: 0 }))).toEqual([]);
  });

  it('checks mount points against the volumes and dependencies only where there are some', () => {
    const one = (extra: object, volumes?: { name: string }[]) => ({
      ...base,
      ...(volumes ? { volumes } : {}),
      containerDefinitions: [{ name: 'a', image: 'x', memory: 64, ...extra }],
    });
    const missing = (volume: string) =>
      `Invalid 'mountPoints' setting for container 'a': the volume '${volume}' is not defined in the task definition's volumes.`;
    expect(() => validateRegistration(one({ mountPoints: [{ sourceVolume: 'data' }] }))).toThrow(missing('data'));
    expect(() => validateRegistration(one({ mountPoints: [{ sourceVolume: 'data' }] }, [{ name: 'logs' }]))).toThrow(
      missing('data'),
    );
    expect(validateRegistration(one({ mountPoints: [{ sourceVolume: 'data' }] }, [{ name: 'data' }]))).toEqual([]);
    expect(validateRegistration(one({ dependsOn: [] }))).toEqual([]);
    expect(() => validateRegistration(one({ dependsOn: [{ containerName: 'a', condition: 'START' }] }))).toThrow(
      "Invalid 'dependsOn' setting for container 'a': a container can't depend on itself.",
    );
  });

  it('fills in ECS defaults without losing given fields', () => {
    const definition = buildTaskDefinition(
      { ...base, containerDefinitions: [{ name: 'a', image: 'x', memory: 64, essential: false, privileged: true }] },
      facts,
    );
    expect(definition.containerDefinitions![0]).toEqual({
      name: 'a',
      image: 'x',
      memory: 64,
      essential: false,
      privileged: true,
      cpu: 0,
      portMappings: [],
      environment: [],
      mountPoints: [],
      volumesFrom: [],
      systemControls: [],
    });
    expect(definition).toMatchObject({
      networkMode: 'bridge',
      status: 'ACTIVE',
      compatibilities: ['EC2'],
      volumes: [],
    });
    expect(definition).not.toHaveProperty('tags');
  });

  it('keeps only the API members of a request: what ECS sets and unknown members are not taken from it', () => {
    const request = JSON.parse(
      JSON.stringify({
        ...base,
        taskDefinitionArn: 'arn:aws:ecs:us-east-1:000000000000:task-definition/other:9',
        deregisteredAt: 1,
        junk: true,
        containerDefinitions: [
          { name: 'a', image: 'x', memory: 64, junk: 1, portMappings: [{ containerPort: 80, junk: 2 }] },
        ],
      }),
    ) as RegisterTaskDefinitionRequest;
    const definition = buildTaskDefinition(request, facts);
    expect(definition.taskDefinitionArn).toBe(facts.taskDefinitionArn);
    expect(definition).not.toHaveProperty('deregisteredAt');
    expect(definition).not.toHaveProperty('junk');
    expect(definition.containerDefinitions![0]).not.toHaveProperty('junk');
    expect(definition.containerDefinitions![0].portMappings![0]).toEqual({
      containerPort: 80,
      hostPort: 0,
      protocol: 'tcp',
    });
  });

  it('computes compatibilities from what the definition can run on', () => {
    const fargate = buildTaskDefinition({ ...base, networkMode: 'awsvpc', cpu: '256', memory: '512' }, facts);
    expect(fargate.compatibilities).toEqual(['EC2', 'FARGATE']);
    const external = buildTaskDefinition({ ...base, requiresCompatibilities: ['EXTERNAL'] }, facts);
    expect(external.compatibilities).toEqual(['EC2', 'EXTERNAL']);
    // Every combination, each its own shared list, in ECS's order.
    const fargateInput = { ...base, networkMode: 'awsvpc' as const, cpu: '256', memory: '512' };
    const seen = new Set<unknown>();
    for (const fargateToo of [false, true]) {
      for (const required of [[], ['EXTERNAL'], ['MANAGED_INSTANCES'], ['MANAGED_INSTANCES', 'EXTERNAL']] as const) {
        const input = { ...(fargateToo ? fargateInput : base), requiresCompatibilities: [...required] };
        const { compatibilities } = buildTaskDefinition(input, facts);
        expect(compatibilities).toEqual([
          'EC2',
          ...(fargateToo ? ['FARGATE'] : []),
          ...(required.includes('EXTERNAL' as never) ? ['EXTERNAL'] : []),
          ...(required.includes('MANAGED_INSTANCES' as never) ? ['MANAGED_INSTANCES'] : []),
        ]);
        expect(buildTaskDefinition(input, facts).compatibilities).toBe(compatibilities);
        seen.add(compatibilities);
      }
    }
    expect(seen.size).toBe(8);
  });

  it('shares one frozen compatibilities list and required attribute among definitions that have them alike', () => {
    const logged = {
      ...base,
      containerDefinitions: [
        { name: 'a', image: 'x', memory: 64, logConfiguration: { logDriver: 'awslogs' as const } },
      ],
    };
    const [first, second] = [buildTaskDefinition(logged, facts), buildTaskDefinition(logged, facts)];
    expect(first.compatibilities).toEqual(['EC2']);
    expect(second.compatibilities).toBe(first.compatibilities);
    expect(Object.isFrozen(first.compatibilities)).toBe(true);
    expect(first.requiresAttributes).toEqual([
      { name: 'com.amazonaws.ecs.capability.docker-remote-api.1.19' },
      { name: 'com.amazonaws.ecs.capability.logging-driver.awslogs' },
    ]);
    expect(second.requiresAttributes).not.toBe(first.requiresAttributes);
    second.requiresAttributes!.forEach((attribute, i) => expect(attribute).toBe(first.requiresAttributes![i]));
    expect(Object.isFrozen(first.requiresAttributes![0])).toBe(true);
  });

  it('derives required attributes as a sorted list without duplicates, whatever order features come in', () => {
    // The former derivation, kept here as the reference: names into a Set, then `[...names].sort()`.
    const reference = (input: RegisterTaskDefinitionRequest): string[] => {
      const names = new Set<string>();
      const api = (v: string) => names.add(`com.amazonaws.ecs.capability.docker-remote-api.${v}`);
      if (input.networkMode === 'awsvpc') names.add('ecs.capability.task-eni');
      if (input.taskRoleArn) {
        names.add('com.amazonaws.ecs.capability.task-iam-role');
        api('1.19');
      }
      if (input.pidMode || input.ipcMode) api('1.18');
      for (const c of input.containerDefinitions ?? []) {
        const driver = c.logConfiguration?.logDriver;
        if (driver) {
          names.add(`com.amazonaws.ecs.capability.logging-driver.${driver}`);
          api('1.19');
          if (driver === 'awslogs' && input.executionRoleArn) names.add('ecs.capability.execution-role-awslogs');
        }
        if (c.healthCheck) {
          names.add('ecs.capability.container-health-check');
          api('1.24');
        }
        if (c.dependsOn?.length) names.add('ecs.capability.container-ordering');
        if (c.dockerLabels && Object.keys(c.dockerLabels).length > 0) api('1.18');
        for (const secret of c.secrets ?? [])
          names.add(
            secret.valueFrom?.includes(':secretsmanager:')
              ? 'ecs.capability.secrets.asm.environment-variables'
              : 'ecs.capability.secrets.ssm.environment-variables',
          );
        if (c.environmentFiles?.length) names.add('ecs.capability.env-files.s3');
        if (c.image && /\.dkr\.ecr\./.test(c.image) && input.executionRoleArn)
          names.add('ecs.capability.execution-role-ecr-pull');
        if (c.repositoryCredentials)
          names.add('com.amazonaws.ecs.capability.private-registry-authentication.secretsmanager');
        if (c.firelensConfiguration) names.add(`ecs.capability.firelens.${c.firelensConfiguration.type}`);
        if (c.ulimits?.length) api('1.18');
        if (c.systemControls?.length) api('1.38');
      }
      if (input.volumes?.some((v) => v.efsVolumeConfiguration)) names.add('ecs.capability.efs');
      return [...names].sort();
    };
    type Container = NonNullable<RegisterTaskDefinitionRequest['containerDefinitions']>[number];
    const features: Container[] = [
      { name: 'l', image: 'x', logConfiguration: { logDriver: 'awslogs' } },
      { name: 'j', image: 'x', logConfiguration: { logDriver: 'json-file' } },
      { name: 'h', image: 'x', healthCheck: { command: ['CMD', 'true'] } },
      { name: 'd', image: 'x', dependsOn: [{ containerName: 'l', condition: 'START' }] },
      { name: 'k', image: 'x', dockerLabels: { a: 'b' } },
      { name: 'e', image: 'x', dockerLabels: {} },
      { name: 's', image: 'x', secrets: [{ name: 'A', valueFrom: 'arn:aws:secretsmanager:us-east-1:1:secret:a' }] },
      { name: 'p', image: 'x', secrets: [{ name: 'B', valueFrom: 'arn:aws:ssm:us-east-1:1:parameter/b' }] },
      { name: 'f', image: 'x', environmentFiles: [{ value: 'arn:aws:s3:::b/o.env', type: 's3' }] },
      { name: 'r', image: '1.dkr.ecr.us-east-1.amazonaws.com/a:1' },
      { name: 'c', image: 'x', repositoryCredentials: { credentialsParameter: 'arn' } },
      { name: 'b', image: 'x', firelensConfiguration: { type: 'fluentbit' } },
      { name: 'u', image: 'x', ulimits: [{ name: 'nofile', softLimit: 1, hardLimit: 1 }] },
      { name: 'y', image: 'x', systemControls: [{ namespace: 'a', value: 'b' }] },
    ];
    // Every feature alone, then runs of features in both orders, with each task-level setting on or off.
    const sets: Container[][] = features.map((f) => [f]);
    for (let i = 0; i < features.length; i++) {
      const run = features
        .slice(i)
        .concat(features.slice(0, i))
        .slice(0, 1 + (i % 6));
      sets.push(run, [...run].reverse(), [...run, ...run]);
    }
    sets.push(features, [...features].reverse());
    let compared = 0;
    for (const containerDefinitions of sets) {
      for (let flags = 0; flags < 16; flags++) {
        const input: RegisterTaskDefinitionRequest = {
          family: 'f',
          containerDefinitions,
          ...(flags & 1 ? { networkMode: 'awsvpc' as const } : {}),
          ...(flags & 2 ? { taskRoleArn: 'arn:aws:iam::1:role/t' } : {}),
          ...(flags & 4 ? { executionRoleArn: 'arn:aws:iam::1:role/e', pidMode: 'host' as const } : {}),
          ...(flags & 8 ? { volumes: [{ name: 'v', efsVolumeConfiguration: { fileSystemId: 'fs-1' } }] } : {}),
        };
        const expected = reference(input);
        const attributes = buildTaskDefinition(input, facts).requiresAttributes!;
        expect(attributes.map((a) => a.name)).toEqual(expected);
        // Each is the one shared attribute of its name.
        expect(buildTaskDefinition(input, facts).requiresAttributes!.every((a, i) => a === attributes[i])).toBe(true);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(500);
  });
});

describe('task definition size', () => {
  const definition = (value: string): RegisterTaskDefinitionRequest => ({
    family: 'f',
    containerDefinitions: [{ name: 'app', image: 'app:1', environment: [{ name: 'V', value }] }],
  });
  const sized = (bytes: number) => definition('x'.repeat(bytes - JSON.stringify(definition('')).length));

  it("takes up to 64 KiB of JSON, counted in bytes and without the tags, and refuses more in ECS's words", () => {
    expect(() => assertTaskDefinitionSize(sized(TASK_DEFINITION_MAX_BYTES))).not.toThrow();
    expect(() =>
      assertTaskDefinitionSize({ ...sized(TASK_DEFINITION_MAX_BYTES), tags: [{ key: 'k', value: 'v' }] }),
    ).not.toThrow();
    expect(() => assertTaskDefinitionSize(sized(TASK_DEFINITION_MAX_BYTES + 1))).toThrow(
      "Actual length: '65537'. Max allowed length is '65536' bytes.",
    );
    // Two bytes a character in UTF-8: 40,000 of them are over though the text is not.
    expect(() => assertTaskDefinitionSize(definition('é'.repeat(40_000)))).toThrow(/Actual length: '8\d{4}'/);
  });

  it('measures nothing when the whole request is no larger than the limit', () => {
    const over = sized(TASK_DEFINITION_MAX_BYTES + 1);
    const stringify = jest.spyOn(JSON, 'stringify');
    expect(() => assertTaskDefinitionSize(over, TASK_DEFINITION_MAX_BYTES)).not.toThrow();
    expect(stringify).not.toHaveBeenCalled();
    stringify.mockRestore();
    expect(() => assertTaskDefinitionSize(over, TASK_DEFINITION_MAX_BYTES + 100)).toThrow(/Actual length/);
  });
});
