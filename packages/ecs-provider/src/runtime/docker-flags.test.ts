import { parseDockerFlags, tokenize } from './docker-flags';
import { EcsConfigError } from './config-error';

describe('ECS_DOCKER_FLAGS', () => {
  it('splits words like a shell without expanding anything', () => {
    expect(tokenize(`--label 'a b=c d' -e X="$HOME \\"q\\"" --dns\t8.8.8.8`)).toEqual([
      '--label',
      'a b=c d',
      '-e',
      'X=$HOME "q"',
      '--dns',
      '8.8.8.8',
    ]);
  });

  it('maps supported flags to HostConfig, environment and labels', () => {
    const flags = parseDockerFlags(
      '--cap-add NET_ADMIN --cap-add=SYS_PTRACE --add-host db:10.0.0.5 -v /data:/data:ro --privileged ' +
        '--shm-size 64m --sysctl net.core.somaxconn=1024 --tmpfs /run:size=1m -e A=1 -l team=blue',
    );
    expect(flags.hostConfig).toEqual({
      CapAdd: ['NET_ADMIN', 'SYS_PTRACE'],
      ExtraHosts: ['db:10.0.0.5'],
      Binds: ['/data:/data:ro'],
      Privileged: true,
      ShmSize: 64 * 1024 * 1024,
      Sysctls: { 'net.core.somaxconn': '1024' },
      Tmpfs: { '/run': 'size=1m' },
    });
    expect(flags.env).toEqual(['A=1']);
    expect(flags.labels).toEqual({ team: 'blue' });
  });

  it.each([
    ['--rm', /not supported/],
    ['--cap-add', /needs a value/],
    ["--label 'open", /unterminated quote/],
    ['--shm-size lots', /size like 64m/],
  ])('refuses %p at start-up', (value, message) => {
    expect(() => parseDockerFlags(value)).toThrow(EcsConfigError);
    expect(() => parseDockerFlags(value)).toThrow(message);
  });
});
