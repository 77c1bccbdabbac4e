import type { DurableTable, StateStore } from '@localcloud/persistence';

export type ParameterType = 'String' | 'StringList' | 'SecureString';
export type ParameterTier = 'Standard' | 'Advanced' | 'Intelligent-Tiering';

/** One version of a parameter, as GetParameterHistory lists it. */
export interface ParameterVersionRecord {
  readonly version: number;
  readonly value: string;
  readonly type: ParameterType;
  readonly keyId?: string;
  readonly description?: string;
  readonly allowedPattern?: string;
  readonly tier: 'Standard' | 'Advanced';
  readonly policies?: string;
  readonly dataType: string;
  readonly labels: readonly string[];
  readonly lastModifiedDate: Date;
  readonly lastModifiedUser: string;
}

/** A parameter: its versions (oldest first, at most 100 kept) and tags. */
export interface ParameterRecord {
  readonly name: string;
  readonly versions: readonly ParameterVersionRecord[];
  readonly tags: Readonly<Record<string, string>>;
}

/** The state of one account and region: durable tables of a @localcloud/persistence store. */
export class SSMStore {
  readonly parameters: DurableTable<ParameterRecord>;

  constructor(private readonly state: StateStore) {
    this.parameters = state.table<ParameterRecord>('ssm.parameters');
  }

  /** Several writes as one atomic change. */
  transaction(fn: () => void): void {
    this.state.transaction(fn);
  }

  /** Resolves once every change so far is durable (group commit): answers wait for it. */
  durable(): Promise<void> {
    return this.state.durable();
  }

  close(): void {
    this.state.close();
  }
}

export function latest(record: ParameterRecord): ParameterVersionRecord {
  return record.versions[record.versions.length - 1]!;
}
