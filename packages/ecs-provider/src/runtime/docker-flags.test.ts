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

  it('quotes and escapes like a POSIX shell: in double quotes a backslash escapes only " \\ $ ` and newline', () => {
    expect(tokenize(String.raw`-l a"b c"'d e' -e '' -e "A=C:\dir\$x" -e 'B=\n' -e C=a\ b`)).toEqual([
      '-l',
      'ab cd e',
      '-e',
      '',
      '-e',
      'A=C:\\dir$x',
      '-e',
      'B=\\n',
      '-e',
      'C=a b',
    ]);
    expect(tokenize('--cap-add \\\n  NET_ADMIN -e "X=a\\\nb"')).toEqual(['--cap-add', 'NET_ADMIN', '-e', 'X=ab']);
  });

  it.each([';', '|', '&&', '>', '<', '(', ')', '&'])(
    'refuses an unquoted %p, which a shell would read as an operator',
    (op) => {
      expect(() => parseDockerFlags(`--dns 1.1.1.1${op} --cap-add NET_ADMIN`)).toThrow(
        new EcsConfigError(
          `ECS_DOCKER_FLAGS: '${op[0]}' is a shell operator, but no shell reads these flags; quote it to pass it as text.`,
        ),
      );
    },
  );

  it('refuses a comment at the start of a word; quoted metacharacters and a # inside a word are text', () => {
    expect(() => parseDockerFlags('--privileged # --cap-add NET_ADMIN')).toThrow(/'#' starts a comment/);
    expect(tokenize(`-e 'X=a;b|c' -l "k=(v)" -l color=#fff`)).toEqual([
      '-e',
      'X=a;b|c',
      '-l',
      'k=(v)',
      '-l',
      'color=#fff',
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
