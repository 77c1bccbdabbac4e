import { randomInt } from 'node:crypto';
import { InvalidParameterException } from '../errors';

const CLASSES = {
  lowercase: 'abcdefghijklmnopqrstuvwxyz',
  uppercase: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  numbers: '0123456789',
  punctuation: '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~',
  space: ' ',
} as const;

/** A password from a cryptographic random source, with AWS's defaults: 32 characters, one of each included type. */
export function getRandomPassword(input: {
  PasswordLength?: number;
  ExcludeCharacters?: string;
  ExcludeNumbers?: boolean;
  ExcludePunctuation?: boolean;
  ExcludeUppercase?: boolean;
  ExcludeLowercase?: boolean;
  IncludeSpace?: boolean;
  RequireEachIncludedType?: boolean;
}) {
  const length = input.PasswordLength ?? 32;
  const excluded = new Set(input.ExcludeCharacters ?? '');
  const candidates: (string | false)[] = [
    !input.ExcludeLowercase && CLASSES.lowercase,
    !input.ExcludeUppercase && CLASSES.uppercase,
    !input.ExcludeNumbers && CLASSES.numbers,
    !input.ExcludePunctuation && CLASSES.punctuation,
    input.IncludeSpace === true && CLASSES.space,
  ];
  const included = candidates
    .filter((chars): chars is string => typeof chars === 'string')
    .map((chars) => [...chars].filter((c) => !excluded.has(c)).join(''))
    .filter((chars) => chars.length > 0);
  if (included.length === 0) {
    throw new InvalidParameterException('The password must be able to contain at least one character type.');
  }
  const requireEach = input.RequireEachIncludedType ?? true;
  if (requireEach && length < included.length) {
    throw new InvalidParameterException(
      `The password length must be at least ${included.length} to include each of the character types.`,
    );
  }
  const all = included.join('');
  const chars = Array.from({ length }, () => all[randomInt(all.length)]!);
  if (requireEach) {
    // One of each type at distinct random positions; the rest stay uniformly random.
    const positions = [...Array(length).keys()];
    for (const type of included) {
      const position = positions.splice(randomInt(positions.length), 1)[0]!;
      chars[position] = type[randomInt(type.length)]!;
    }
  }
  return { RandomPassword: chars.join('') };
}
