import { splitCommandLine } from './command-line';

test.each([
  ['/bin/sh', ['/bin/sh']],
  ['  ls   -la /tmp ', ['ls', '-la', '/tmp']],
  [`sh -c "echo 'a b' | cat"`, ['sh', '-c', "echo 'a b' | cat"]],
  [`echo 'it''s' "x\\"y" a\\ b`, ['echo', 'its', 'x"y', 'a b']],
  [`echo ""`, ['echo', '']],
  ['', []],
])('%j is run as %j', (line, args) => {
  expect(splitCommandLine(line)).toEqual(args);
});

test('an open quote is not a command', () => {
  expect(splitCommandLine(`sh -c "echo`)).toBeUndefined();
  expect(splitCommandLine(`echo 'a`)).toBeUndefined();
});
