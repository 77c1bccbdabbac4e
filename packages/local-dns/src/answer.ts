import type { Answer, Question } from 'dns-packet';
import { normalizeName, type NameRecords, type NameTable } from './name-table';

/** What the table answers for one question, or `forward` when the name is not ours. */
export type Reply =
  | { readonly kind: 'answer'; readonly answers: Answer[]; readonly additionals: Answer[] }
  | { readonly kind: 'nxdomain'; readonly zone: string }
  /** The name is ours but has no records of this type: NOERROR, no answers. */
  | { readonly kind: 'nodata'; readonly zone?: string }
  | { readonly kind: 'forward' };

/** Route 53's multivalue answer: at most 8 values per response. */
const MULTIVALUE_LIMIT = 8;

/**
 * Answers questions from a name table, applying each record set's routing policy. Rotation is per name
 * and per answerer (one per server), so successive queries start at successive values.
 */
export class Answerer {
  /** Queries answered so far per `<name> <type>`: where the next answer's rotation starts. */
  private readonly turns = new Map<string, number>();

  constructor(
    private readonly table: NameTable,
    private readonly random: () => number = Math.random,
  ) {}

  answer(question: Question): Reply {
    const name = normalizeName(question.name);
    const found = this.table.lookup(name);
    if (found.kind === 'unknown') return { kind: 'forward' };
    if (found.kind === 'nxdomain') return { kind: 'nxdomain', zone: found.zone };
    // Per name and type: a resolver asks A and AAAA together, and AAAA must not skip A's turn.
    const turnKey = `${name} ${question.type}`;
    const turn = this.turns.get(turnKey) ?? 0;
    this.turns.set(turnKey, turn + 1);
    const answers: Answer[] = [];
    const additionals: Answer[] = [];
    for (const set of found.sets) {
      if (question.type === 'A' && set.a) {
        for (const address of this.select(set, set.a.addresses, turn)) {
          answers.push({ type: 'A', name: question.name, ttl: set.a.ttl, class: 'IN', data: address });
        }
      } else if (question.type === 'SRV' && set.srv) {
        for (const target of this.select(set, set.srv.targets, turn)) {
          answers.push({ type: 'SRV', name: question.name, ttl: set.srv.ttl, class: 'IN', data: { ...target } });
          additionals.push(...this.targetAddresses(target.target));
        }
      }
    }
    if (answers.length === 0) return { kind: 'nodata' };
    return { kind: 'answer', answers, additionals };
  }

  /** A target's own A records (Cloud Map publishes one per instance), for the additional section. */
  private targetAddresses(target: string): Answer[] {
    const found = this.table.lookup(target);
    if (found.kind !== 'records') return [];
    return found.sets.flatMap((set: NameRecords) =>
      (set.a?.addresses ?? []).map((address): Answer => ({
        type: 'A',
        name: target,
        ttl: set.a!.ttl,
        class: 'IN',
        data: address,
      })),
    );
  }

  private select<T>(set: NameRecords, values: readonly T[], turn: number): T[] {
    if (values.length === 0) return [];
    if (set.routing === 'one') return [values[Math.floor(this.random() * values.length) % values.length]!];
    const start = turn % values.length;
    const rotated = [...values.slice(start), ...values.slice(0, start)];
    return set.routing === 'multivalue' ? rotated.slice(0, MULTIVALUE_LIMIT) : rotated;
  }
}
