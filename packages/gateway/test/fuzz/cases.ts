import { gzipSync } from 'node:zlib';
import type { Prng } from './prng';
import { deepJson, randomJson, toJsonText, type SchemaBodies } from './schema-bodies';

/** One request the fuzzer sends: everything needed to replay it. */
export interface FuzzRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  /** What kind of input this is, for the failure report. */
  readonly label: string;
}

export interface FuzzTarget {
  readonly targetPrefix: string;
  readonly operation: string;
  readonly bodies: SchemaBodies;
}

const AWS_JSON = 'application/x-amz-json-1.1';
const CONTENT_TYPES = [
  'application/json',
  'application/x-amz-json-1.0',
  'application/x-amz-json-1.1; charset=utf-16',
  'text/plain',
  'application/xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  ';;;',
  '',
];

/** A request for one operation: schema-based bodies mostly, so handlers are reached, and garbage. */
export function operationRequest(target: FuzzTarget, rng: Prng): FuzzRequest {
  const kind = rng.weighted([
    [40, 'validish'],
    [30, 'mutated'],
    [18, 'garbage'],
    [12, 'envelope'],
  ] as const);
  const headers: Record<string, string> = {
    'x-amz-target': `${target.targetPrefix}.${target.operation}`,
    'content-type': AWS_JSON,
  };
  if (kind === 'validish' || kind === 'mutated') {
    const body =
      kind === 'validish'
        ? target.bodies.validish(target.operation, rng)
        : target.bodies.mutated(target.operation, rng);
    return { method: 'POST', path: '/', headers, body: Buffer.from(toJsonText(body)), label: kind };
  }
  if (kind === 'garbage') {
    const [label, body] = garbageBody(rng, toJsonText(target.bodies.validish(target.operation, rng)));
    return { method: 'POST', path: '/', headers, body, label: `garbage/${label}` };
  }
  return envelopeRequest(rng, headers, Buffer.from(toJsonText(target.bodies.validish(target.operation, rng))));
}

/** A body that is not a well-formed input object. */
function garbageBody(rng: Prng, validText: string): [string, Buffer] {
  const kind = rng.int(0, 8);
  switch (kind) {
    case 0:
      return ['random-bytes', rng.bytes(rng.int(1, 2_000))];
    case 1:
      return ['truncated', Buffer.from(validText.slice(0, rng.int(1, Math.max(1, validText.length - 1))))];
    case 2:
      return ['non-object', Buffer.from(rng.pick(['[]', '[{}]', '"text"', '42', 'null', 'true', '1e999', '-0']))];
    case 3: {
      const levels = rng.pick([100, 101, 3_000, 100_000]);
      return [
        `deep-${levels}`,
        Buffer.from(rng.chance(0.2) ? '['.repeat(levels) : deepJson(levels, rng.pick(['[', '{']) as '[' | '{')),
      ];
    }
    case 4:
      return ['huge-member', Buffer.from(`{"${'k'.repeat(rng.pick([10, 100_000]))}":"${'v'.repeat(1_000_000)}"}`)];
    case 5:
      return [
        'odd-json',
        Buffer.from(
          rng.pick([
            '\ufeff{}',
            '{}x',
            '{"a":1,"a":2}',
            '{"a":"\\x"}',
            '{"a":"\\ud800"}',
            '{"a":\u0000}',
            "{'a':1}",
            '{"a":1,}',
            '{"__proto__":{"polluted":true}}',
            '{"constructor":{"prototype":{"polluted":true}}}',
          ]),
        ),
      ];
    case 6:
      return [
        'invalid-utf8',
        Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')]),
      ];
    case 7:
      return ['random-json', Buffer.from(JSON.stringify(randomJson(rng, 4)) ?? 'null')];
    default:
      return ['whitespace', Buffer.from(rng.pick([' ', '\n\t', '\u00a0']))];
  }
}

/** A plausible body in a wrong envelope: content type, encoding, method or target. */
function envelopeRequest(rng: Prng, headers: Record<string, string>, body: Buffer): FuzzRequest {
  const out = { ...headers };
  const kind = rng.int(0, 5);
  let method = 'POST';
  let label: string;
  switch (kind) {
    case 0: {
      const type = rng.pick(CONTENT_TYPES);
      if (type) out['content-type'] = type;
      else delete out['content-type'];
      label = `content-type:${type || 'none'}`;
      break;
    }
    case 1: {
      const encoding = rng.pick(['gzip', 'deflate', 'br', 'x-unknown', 'gzip, gzip', 'identity']);
      out['content-encoding'] = encoding;
      // Half the time really gzipped (reaches the handler), else garbage the inflater must refuse.
      const real = encoding === 'gzip' && rng.chance(0.5);
      label = `content-encoding:${encoding}${real ? '(real)' : ''}`;
      return { method, path: '/', headers: out, body: real ? gzipSync(body) : body, label };
    }
    case 2:
      method = rng.pick(['GET', 'PUT', 'DELETE', 'PATCH']);
      label = `method:${method}`;
      break;
    case 3: {
      const target = out['x-amz-target']!;
      const broken = rng.pick([
        '',
        target.toLowerCase(),
        target.replace('.', '..'),
        `${target}X`,
        `Other_20200101.${target.split('.')[1]}`,
        '.',
        'x'.repeat(8_000),
      ]);
      if (broken) out['x-amz-target'] = broken;
      else delete out['x-amz-target'];
      label = `target:${broken.slice(0, 40)}`;
      break;
    }
    case 4:
      out['authorization'] = rng.pick([
        'AWS4-HMAC-SHA256 Credential=123456789012/20260101/eu-west-1/ecs/aws4_request, SignedHeaders=host, Signature=x',
        'AWS4-HMAC-SHA256 Credential=/////',
        'AWS4-HMAC-SHA256 Credential=a/b/c/nosuchservice/aws4_request',
        'Bearer x',
        'AWS4-HMAC-SHA256 Credential=' + 'x/'.repeat(2_000),
      ]);
      label = 'authorization';
      break;
    default:
      label = `path`;
      return { method, path: rng.pick(['/x', '/?a=1', '//', '/_localcloud/other']), headers: out, body, label };
  }
  return { method, path: '/', headers: out, body, label };
}
