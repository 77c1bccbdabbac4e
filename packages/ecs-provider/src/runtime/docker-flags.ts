import { EcsConfigError } from './config-error';

/** What `ECS_DOCKER_FLAGS` adds to every task container. */
export interface DockerFlags {
  /** Docker HostConfig fields, merged over the ones localcloud builds. */
  readonly hostConfig: Readonly<Record<string, unknown>>;
  /** `KEY=VALUE` entries added to the environment. */
  readonly env: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
}

type FlagHandler = (value: string, out: MutableFlags) => void;
interface MutableFlags {
  hostConfig: Record<string, unknown>;
  env: string[];
  labels: Record<string, string>;
}

const append = (key: string) => (value: string, out: MutableFlags) => {
  out.hostConfig[key] = [...((out.hostConfig[key] as string[] | undefined) ?? []), value];
};

/**
 * The `docker run` flags localcloud understands. Anything else is refused at start-up rather than
 * silently ignored; nothing is ever passed to a shell.
 */
const VALUE_FLAGS: Record<string, FlagHandler> = {
  '--add-host': append('ExtraHosts'),
  '--cap-add': append('CapAdd'),
  '--cap-drop': append('CapDrop'),
  '--dns': append('Dns'),
  '--dns-search': append('DnsSearch'),
  '--dns-option': append('DnsOptions'),
  '--security-opt': append('SecurityOpt'),
  '--volume': append('Binds'),
  '-v': append('Binds'),
  '--device': (value, out) => {
    const [host, container = host, permissions = 'rwm'] = value.split(':');
    const devices = (out.hostConfig.Devices as unknown[] | undefined) ?? [];
    out.hostConfig.Devices = [
      ...devices,
      { PathOnHost: host, PathInContainer: container, CgroupPermissions: permissions },
    ];
  },
  '--tmpfs': (value, out) => {
    const [path, options = ''] = splitOnce(value, ':');
    out.hostConfig.Tmpfs = { ...(out.hostConfig.Tmpfs as Record<string, string> | undefined), [path]: options };
  },
  '--sysctl': (value, out) => {
    const [key, val] = splitOnce(value, '=');
    out.hostConfig.Sysctls = { ...(out.hostConfig.Sysctls as Record<string, string> | undefined), [key]: val };
  },
  '--shm-size': (value, out) => {
    out.hostConfig.ShmSize = parseBytes('--shm-size', value);
  },
  '--env': (value, out) => out.env.push(value),
  '-e': (value, out) => out.env.push(value),
  '--label': (value, out) => {
    const [key, val] = splitOnce(value, '=');
    out.labels[key] = val;
  },
  '-l': (value, out) => {
    const [key, val] = splitOnce(value, '=');
    out.labels[key] = val;
  },
};

const BOOLEAN_FLAGS: Record<string, (out: MutableFlags) => void> = {
  '--privileged': (out) => (out.hostConfig.Privileged = true),
  '--init': (out) => (out.hostConfig.Init = true),
};

export function parseDockerFlags(value: string): DockerFlags {
  const out: MutableFlags = { hostConfig: {}, env: [], labels: {} };
  const tokens = tokenize(value);
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const eq = token.startsWith('--') ? token.indexOf('=') : -1;
    const flag = eq > 0 ? token.slice(0, eq) : token;
    if (BOOLEAN_FLAGS[flag] && eq < 0) {
      BOOLEAN_FLAGS[flag]!(out);
      continue;
    }
    const handler = VALUE_FLAGS[flag];
    if (!handler) {
      throw new EcsConfigError(
        `ECS_DOCKER_FLAGS: '${flag}' is not supported. Supported: ${[...Object.keys(VALUE_FLAGS), ...Object.keys(BOOLEAN_FLAGS)].join(', ')}.`,
      );
    }
    const flagValue = eq > 0 ? token.slice(eq + 1) : tokens[++i];
    if (flagValue === undefined) throw new EcsConfigError(`ECS_DOCKER_FLAGS: '${flag}' needs a value.`);
    handler(flagValue, out);
  }
  return out;
}

/** Characters that end a word and start an operator in a POSIX shell (`;`, `|`, `&&`, `>`, …). */
const OPERATOR_CHARS = new Set([';', '|', '&', '<', '>', '(', ')']);
/** The only characters a backslash escapes inside double quotes; before any other it stays. */
const ESCAPED_IN_DOUBLE_QUOTES = new Set(['"', '\\', '$', '`']);

/**
 * Splits into words as a POSIX shell does (single and double quotes, backslashes, line continuations),
 * expanding nothing: `$`, `` ` ``, `*` and `~` stay as written. Shell operators and comments are refused,
 * since nothing here runs a shell: `--dns 1.1.1.1; …` is a mistake, not a value.
 *
 * Hand-written on purpose: shell-quote expands `$VAR` and splits the word around it, silently drops an
 * unterminated quote, and reads `#` inside a word (`color=#fff`) as a comment; guarding
 * against all of that would take a scanner of our own anyway.
 */
export function tokenize(input: string): string[] {
  const tokens: string[] = [];
  let current = '';
  let inToken = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < input.length; i++) {
    const ch = input[i]!;
    const next = input[i + 1];
    if (quote === "'") {
      if (ch === quote) quote = undefined;
      else current += ch;
    } else if (quote === '"') {
      if (ch === quote) quote = undefined;
      else if (ch === '\\' && next === '\n') i++;
      else if (ch === '\\' && next !== undefined && ESCAPED_IN_DOUBLE_QUOTES.has(next)) current += input[++i];
      else current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inToken = true;
    } else if (ch === '\\' && next === '\n') {
      i++;
    } else if (ch === '\\' && next !== undefined) {
      current += input[++i];
      inToken = true;
    } else if (/\s/.test(ch)) {
      if (inToken) tokens.push(current);
      current = '';
      inToken = false;
    } else if (OPERATOR_CHARS.has(ch) || (ch === '#' && !inToken)) {
      const what = ch === '#' ? 'starts a comment' : 'is a shell operator';
      throw new EcsConfigError(
        `ECS_DOCKER_FLAGS: '${ch}' ${what}, but no shell reads these flags; quote it to pass it as text.`,
      );
    } else {
      current += ch;
      inToken = true;
    }
  }
  if (quote) throw new EcsConfigError('ECS_DOCKER_FLAGS has an unterminated quote.');
  if (inToken) tokens.push(current);
  return tokens;
}

function splitOnce(value: string, separator: string): [string, string] {
  const at = value.indexOf(separator);
  return at < 0 ? [value, ''] : [value.slice(0, at), value.slice(at + 1)];
}

function parseBytes(flag: string, value: string): number {
  const match = /^(\d+)([bkmg]?)$/i.exec(value.trim());
  if (!match) throw new EcsConfigError(`ECS_DOCKER_FLAGS: ${flag} '${value}' is not a size like 64m.`);
  const unit = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[
    match[2]!.toLowerCase() as '' | 'b' | 'k' | 'm' | 'g'
  ];
  return Number(match[1]) * unit;
}
