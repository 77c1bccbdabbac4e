import { isDate, isUint8Array } from 'node:util/types';
import { escapeXml, type QueryCodec as GatewayQueryCodec } from '@localcloud/gateway';
import type { ServiceModel, Shape } from './model';

/** One level of a Query request's dotted keys: `Tags.member.1.Key` is Tags → member → 1 → Key. */
interface Node {
  value?: string;
  readonly children: Map<string, Node>;
}

/**
 * The AWS Query protocol as the generated model shapes it, for the gateway (`queryCodec` of a provider with
 * `protocol: 'query'`): flat form parameters (`Subnets.member.1`, `Tags.member.1.Key`,
 * `Attributes.entry.1.key`) into the input structure, and results into XML named as the model names them
 * (`<LoadBalancers><member>…</member></LoadBalancers>`, timestamps in ISO 8601).
 */
export class QueryCodec implements GatewayQueryCodec {
  constructor(readonly model: ServiceModel) {}

  decodeInput(operation: string, params: ReadonlyMap<string, string>): Record<string, unknown> {
    const root: Node = { children: new Map() };
    for (const [key, value] of params) {
      let node = root;
      for (const part of key.split('.')) {
        let child = node.children.get(part);
        if (!child) node.children.set(part, (child = { children: new Map() }));
        node = child;
      }
      node.value = value;
    }
    const input = this.model.operations[operation]?.input;
    if (!input) return {};
    return (this.decode({ structure: input }, root) ?? {}) as Record<string, unknown>;
  }

  encodeOutput(operation: string, output: unknown): string {
    const op = this.model.operations[operation];
    if (!op?.resultWrapper) return '';
    const body = op.output ? this.members(op.output, output) : '';
    return `<${op.resultWrapper}>${body}</${op.resultWrapper}>`;
  }

  private decode(shape: Shape, node: Node): unknown {
    if (typeof shape === 'string') return decodeSimple(shape, node.value);
    if ('type' in shape) return decodeSimple(shape.type, node.value);
    if ('list' in shape) {
      // An empty list travels as `Name=` with no items.
      const items = shape.flattened ? node : node.children.get(itemName(shape.list));
      if (!items) return node.value !== undefined ? [] : undefined;
      return indexed(items).map((item) => this.decode(shape.list, item));
    }
    if ('map' in shape) {
      const entries = shape.flattened ? node : node.children.get('entry');
      const out: Record<string, unknown> = {};
      for (const entry of entries ? indexed(entries) : []) {
        const key = entry.children.get('key')?.value;
        const value = entry.children.get('value');
        if (key !== undefined) out[key] = value ? this.decode(shape.map, value) : undefined;
      }
      return out;
    }
    const structure = this.model.structures[shape.structure];
    if (!structure) return undefined;
    const out: Record<string, unknown> = {};
    for (const [member, memberShape] of Object.entries(structure.members)) {
      const child = node.children.get(xmlNameOf(memberShape) ?? member);
      if (!child) continue;
      const value = this.decode(memberShape, child);
      if (value !== undefined) out[member] = value;
    }
    return out;
  }

  private members(structureName: string, value: unknown): string {
    const structure = this.model.structures[structureName];
    if (!structure || typeof value !== 'object' || value === null) return '';
    const record = value as Record<string, unknown>;
    let xml = '';
    for (const [member, shape] of Object.entries(structure.members)) {
      const memberValue = record[member];
      if (memberValue === undefined || memberValue === null) continue;
      xml += this.element(xmlNameOf(shape) ?? member, shape, memberValue);
    }
    return xml;
  }

  private element(name: string, shape: Shape, value: unknown): string {
    if (typeof shape === 'object' && 'list' in shape) {
      if (!Array.isArray(value)) return '';
      if (shape.flattened) return value.map((item) => this.element(name, shape.list, item)).join('');
      const item = itemName(shape.list);
      return `<${name}>${value.map((v) => this.element(item, shape.list, v)).join('')}</${name}>`;
    }
    if (typeof shape === 'object' && 'map' in shape) {
      const entries = Object.entries(value as Record<string, unknown>).map(
        ([k, v]) => `<key>${escapeXml(k)}</key>${this.element('value', shape.map, v)}`,
      );
      if (shape.flattened) return entries.map((e) => `<${name}>${e}</${name}>`).join('');
      return `<${name}>${entries.map((e) => `<entry>${e}</entry>`).join('')}</${name}>`;
    }
    if (typeof shape === 'object' && 'structure' in shape) {
      return `<${name}>${this.members(shape.structure, value)}</${name}>`;
    }
    const format = typeof shape === 'object' ? shape.format : undefined;
    return `<${name}>${escapeXml(simpleText(value, format))}</${name}>`;
  }
}

function xmlNameOf(shape: Shape): string | undefined {
  return typeof shape === 'object' ? shape.xmlName : undefined;
}

function itemName(item: Shape): string {
  return xmlNameOf(item) ?? 'member';
}

/** The numbered children of a list or map node, in index order (`member.1`, `member.2`, …). */
function indexed(node: Node): Node[] {
  return [...node.children.entries()]
    .filter(([key]) => /^[1-9]\d*$/.test(key))
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([, child]) => child);
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Query values are strings: parse those that fit their type, leave the rest for the validator to refuse. */
function decodeSimple(type: string, value: string | undefined): unknown {
  if (value === undefined) return undefined;
  switch (type) {
    case 'number':
      return NUMBER.test(value) ? Number(value) : value;
    case 'boolean':
      return value === 'true' ? true : value === 'false' ? false : value;
    case 'timestamp': {
      if (NUMBER.test(value)) return Number(value);
      const ms = Date.parse(value);
      return Number.isNaN(ms) ? value : ms / 1000;
    }
    default:
      return value;
  }
}

function simpleText(value: unknown, format: string | undefined): string {
  if (isDate(value)) {
    if (format === 'epoch-seconds') return String(value.getTime() / 1000);
    if (format === 'http-date') return value.toUTCString();
    return value.toISOString();
  }
  if (isUint8Array(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  return String(value);
}
