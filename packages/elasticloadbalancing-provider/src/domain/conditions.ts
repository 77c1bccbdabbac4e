import { truncateText } from '@localcloud/gateway';
import { BlockList, isIP } from 'node:net';
import type { Condition } from './records';
import { ValidationError } from '../errors';

/** What a rule can look at in a request. */
export interface RequestFacts {
  readonly path: string;
  readonly host: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly query: URLSearchParams;
  readonly sourceIp: string;
}

const CONFIG_OF: Readonly<Record<string, string>> = {
  'path-pattern': 'PathPatternConfig',
  'host-header': 'HostHeaderConfig',
  'http-header': 'HttpHeaderConfig',
  'http-request-method': 'HttpRequestMethodConfig',
  'query-string': 'QueryStringConfig',
  'source-ip': 'SourceIpConfig',
};

interface ConditionShape {
  Field?: string;
  Values?: string[];
  PathPatternConfig?: { Values?: string[] };
  HostHeaderConfig?: { Values?: string[] };
  HttpHeaderConfig?: { HttpHeaderName?: string; Values?: string[] };
  HttpRequestMethodConfig?: { Values?: string[] };
  QueryStringConfig?: { Values?: { Key?: string; Value?: string }[] };
  SourceIpConfig?: { Values?: string[] };
}

/** Checks rule conditions as ELBv2 does and returns them as DescribeRules shows them (Values and the config). */
export function normaliseConditions(conditions: readonly Condition[]): Condition[] {
  return conditions.map((raw) => {
    const condition = raw as ConditionShape;
    const field = condition.Field;
    if (!field || !(field in CONFIG_OF)) {
      throw new ValidationError(`Condition field '${field}' must be one of [${Object.keys(CONFIG_OF).join(', ')}]`);
    }
    const values = valuesOf(condition);
    if (values.length === 0) throw new ValidationError(`A condition value must be specified for field '${field}'`);
    if (field === 'http-header' && !condition.HttpHeaderConfig?.HttpHeaderName) {
      throw new ValidationError("An 'http-header' condition requires HttpHeaderConfig.HttpHeaderName");
    }
    if (field === 'source-ip') {
      for (const cidr of values as string[]) parseCidr(cidr);
    }
    if (field === 'path-pattern' || field === 'host-header') {
      const config = CONFIG_OF[field]!;
      return { Field: field, Values: values, [config]: { Values: values } };
    }
    return { ...condition };
  });
}

function valuesOf(condition: ConditionShape): unknown[] {
  const field = condition.Field!;
  const config = (condition as Record<string, { Values?: unknown[] } | undefined>)[CONFIG_OF[field]!];
  return config?.Values ?? condition.Values ?? [];
}

/** Whether every condition of a rule matches the request (a condition matches when any of its values does). */
export function conditionsMatch(conditions: readonly Condition[], request: RequestFacts): boolean {
  return conditions.every((raw) => {
    const condition = raw as ConditionShape;
    const values = valuesOf(condition);
    switch (condition.Field) {
      case 'path-pattern':
        return (values as string[]).some((p) => wildcard(p, false).test(request.path));
      case 'host-header': {
        const host = request.host.replace(/:\d+$/, '');
        return (values as string[]).some((p) => wildcard(p, true).test(host));
      }
      case 'http-header': {
        const header = request.headers[condition.HttpHeaderConfig!.HttpHeaderName!.toLowerCase()];
        const actual = header === undefined ? [] : Array.isArray(header) ? header : [header];
        return (values as string[]).some((p) => actual.some((v) => wildcard(p, true).test(v)));
      }
      case 'http-request-method':
        return (values as string[]).includes(request.method);
      case 'query-string':
        return (values as { Key?: string; Value?: string }[]).some(({ Key, Value }) =>
          [...request.query.entries()].some(
            ([k, v]) => (Key === undefined || wildcard(Key, true).test(k)) && wildcard(Value ?? '', true).test(v),
          ),
        );
      case 'source-ip':
        return (values as string[]).some((cidr) => inCidr(cidr, request.sourceIp));
      default:
        return false;
    }
  });
}

const patterns = new Map<string, RegExp>();

/** ELBv2's wildcards: `*` any characters, `?` one character; the rest literal. */
function wildcard(pattern: string, ignoreCase: boolean): RegExp {
  const key = `${ignoreCase ? 'i' : 's'}${pattern}`;
  let regex = patterns.get(key);
  if (!regex) {
    const source = pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.');
    regex = new RegExp(`^${source}$`, ignoreCase ? 'is' : 's');
    if (patterns.size > 1000) patterns.clear();
    patterns.set(key, regex);
  }
  return regex;
}

function parseCidr(cidr: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } {
  const [address, bits] = cidr.split('/');
  const version = isIP(address ?? '');
  const prefix = Number(bits);
  if (
    !version ||
    bits === undefined ||
    !Number.isInteger(prefix) ||
    prefix < 0 ||
    prefix > (version === 4 ? 32 : 128)
  ) {
    throw new ValidationError(`The source IP '${truncateText(cidr)}' is not a valid CIDR block`);
  }
  return { address: address!, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

function inCidr(cidr: string, ip: string): boolean {
  const { address, prefix, family } = parseCidr(cidr);
  const list = new BlockList();
  list.addSubnet(address, prefix, family);
  const plain = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  const version = isIP(plain);
  return version !== 0 && list.check(plain, version === 4 ? 'ipv4' : 'ipv6');
}
