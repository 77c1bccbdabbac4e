import { inCi } from './in-ci';

test.each([
  [undefined, false],
  ['', false],
  ['0', false],
  ['false', false],
  ['FALSE', false],
  ['true', true],
  ['1', true],
  ['yes', true],
  [' True ', true],
])('CI=%p reads as CI: %p', (value, expected) => {
  expect(inCi(value === undefined ? {} : { CI: value })).toBe(expected);
});
