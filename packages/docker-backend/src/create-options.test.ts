import { mergeHostConfig, toCreateOptions } from './create-options';
import { ContainerBackendError } from './errors';

describe('toCreateOptions', () => {
  test('maps a full spec to the Engine API create body', () => {
    const options = toCreateOptions({
      name: 'web',
      image: 'img:1',
      labels: { a: 'b' },
      env: { FOO: 'bar' },
      command: ['httpd', '-f'],
      entrypoint: ['/bin/sh', '-c'],
      workingDir: '/www',
      user: '1000:1000',
      hostname: 'web',
      extraHosts: ['db:10.0.0.2'],
      dns: ['172.17.0.1'],
      mounts: [
        { type: 'bind', source: '/host/data', target: '/data', readOnly: true },
        { type: 'volume', source: 'vol', target: '/vol' },
      ],
      volumesFrom: ['other:ro'],
      ports: [{ containerPort: 80 }, { containerPort: 53, protocol: 'udp', hostPort: 5353, hostIp: '127.0.0.1' }],
      networkMode: 'lc-net',
      networkAliases: ['web'],
      cpuShares: 256,
      nanoCpus: 500_000_000,
      memory: 64 * 1024 * 1024,
      memoryReservation: 32 * 1024 * 1024,
      ulimits: [{ name: 'nofile', soft: 1024, hard: 2048 }],
      readonlyRootFilesystem: true,
      privileged: false,
      init: true,
      healthCheck: {
        test: ['CMD-SHELL', 'true'],
        intervalSeconds: 5,
        timeoutSeconds: 2,
        retries: 3,
        startPeriodSeconds: 1.5,
      },
      stopTimeout: 7,
      stopSignal: 'SIGINT',
    });
    expect(options).toEqual({
      name: 'web',
      Image: 'img:1',
      Labels: { a: 'b' },
      Env: ['FOO=bar'],
      Cmd: ['httpd', '-f'],
      Entrypoint: ['/bin/sh', '-c'],
      WorkingDir: '/www',
      User: '1000:1000',
      Hostname: 'web',
      ExposedPorts: { '80/tcp': {}, '53/udp': {} },
      Healthcheck: { Test: ['CMD-SHELL', 'true'], Interval: 5e9, Timeout: 2e9, Retries: 3, StartPeriod: 1.5e9 },
      StopTimeout: 7,
      StopSignal: 'SIGINT',
      Tty: false,
      AttachStdin: false,
      AttachStdout: false,
      AttachStderr: false,
      OpenStdin: false,
      HostConfig: {
        NetworkMode: 'lc-net',
        Binds: ['/host/data:/data:ro', 'vol:/vol'],
        VolumesFrom: ['other:ro'],
        PortBindings: {
          '80/tcp': [{ HostIp: '', HostPort: '' }],
          '53/udp': [{ HostIp: '127.0.0.1', HostPort: '5353' }],
        },
        ExtraHosts: ['db:10.0.0.2'],
        Dns: ['172.17.0.1'],
        CpuShares: 256,
        NanoCpus: 500_000_000,
        Memory: 64 * 1024 * 1024,
        MemoryReservation: 32 * 1024 * 1024,
        Ulimits: [{ Name: 'nofile', Soft: 1024, Hard: 2048 }],
        ReadonlyRootfs: true,
        Privileged: false,
        Init: true,
      },
      NetworkingConfig: { EndpointsConfig: { 'lc-net': { Aliases: ['web'] } } },
    });
  });

  test('a minimal spec stays minimal', () => {
    expect(toCreateOptions({ image: 'img', env: ['A=1'] })).toEqual({
      Image: 'img',
      Env: ['A=1'],
      Tty: false,
      AttachStdin: false,
      AttachStdout: false,
      AttachStderr: false,
      OpenStdin: false,
      HostConfig: {},
    });
  });

  test('aliases only apply to a named network', () => {
    expect(
      toCreateOptions({ image: 'img', networkMode: 'container:abc', networkAliases: ['x'] }).NetworkingConfig,
    ).toBeUndefined();
  });

  test('refuses a relative bind source, which the engine would take for a volume name', () => {
    expect(() =>
      toCreateOptions({ image: 'img', mounts: [{ type: 'bind', source: 'data', target: '/data' }] }),
    ).toThrow(ContainerBackendError);
  });

  test('extraHostConfig appends arrays, merges objects and replaces the rest', () => {
    const options = toCreateOptions({
      image: 'img',
      extraHosts: ['a:1.1.1.1'],
      privileged: false,
      extraHostConfig: { ExtraHosts: ['b:2.2.2.2'], Privileged: true, Sysctls: { 'net.core.somaxconn': '1024' } },
    });
    expect(options.HostConfig).toEqual({
      ExtraHosts: ['a:1.1.1.1', 'b:2.2.2.2'],
      Privileged: true,
      Sysctls: { 'net.core.somaxconn': '1024' },
    });
    expect(mergeHostConfig({ Tmpfs: { '/a': '' } }, { Tmpfs: { '/b': 'size=1m' } })).toEqual({
      Tmpfs: { '/a': '', '/b': 'size=1m' },
    });
  });
});
