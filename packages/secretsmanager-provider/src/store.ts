import { openStateStore, type DurableTable, type StateStore } from '@localcloud/persistence';

export interface Tag {
  readonly Key?: string;
  readonly Value?: string;
}

/** A version's metadata; its value is kept in a table of its own so that a label change rewrites no value. */
export interface VersionRecord {
  readonly createdDate: Date;
  readonly stages: readonly string[];
  readonly lastAccessedDate?: Date;
}

export interface SecretRecord {
  readonly arn: string;
  readonly name: string;
  readonly description?: string;
  readonly kmsKeyId?: string;
  readonly type?: string;
  readonly tags: readonly Tag[];
  readonly createdDate: Date;
  readonly lastChangedDate: Date;
  /** Day precision, as AWS reports it. */
  readonly lastAccessedDate?: Date;
  /** Set while the secret is scheduled for deletion: the moment it is deleted for good. */
  readonly deletionDate?: Date;
  /** The date DeleteSecret was called, which DescribeSecret reports as `DeletedDate`. */
  readonly deletedDate?: Date;
  /** By version id, oldest first. */
  readonly versions: Readonly<Record<string, VersionRecord>>;
}

/** A version's value: exactly one of the two (the binary one as base64, its JSON wire form). */
export interface SecretValue {
  readonly secretString?: string;
  readonly secretBinary?: string;
}

/**
 * Opens the secrets of one account and region (journal in `dir`, or memory). A failed sync undoes records
 * whose names the index already holds (a rolled-back force delete would hide a secret from lookups by name),
 * so the index is built again from the records then, before any waiter hears of the failure. A transaction
 * that throws needs nothing: the index changes only after a transaction returns.
 */
export function openSecretsManagerStore(dir: string | undefined): SecretsManagerStore {
  let store: SecretsManagerStore | undefined;
  const state = openStateStore({ dir, onRollback: () => store?.reindex() });
  return (store = new SecretsManagerStore(state));
}

/**
 * The secrets of one account and region: durable tables of a @localcloud/persistence store, and an
 * index by name. A secret whose deletion date has passed is removed when next looked at.
 */
export class SecretsManagerStore {
  private readonly secrets: DurableTable<SecretRecord>;
  private readonly values: DurableTable<SecretValue>;
  /** Name → ARN of every secret held, scheduled for deletion or not (names are unique among them). */
  private readonly byName = new Map<string, string>();

  constructor(private readonly state: StateStore) {
    this.secrets = state.table<SecretRecord>('secretsmanager.secrets');
    this.values = state.table<SecretValue>('secretsmanager.values');
    this.reindex();
  }

  /** Builds the name index again from the records: at start, and after a failed sync undid some of them. */
  reindex(): void {
    this.byName.clear();
    for (const secret of this.secrets.values()) this.byName.set(secret.name, secret.arn);
  }

  /** Every secret not yet deleted for good, in creation order. */
  all(now: number): SecretRecord[] {
    const out: SecretRecord[] = [];
    for (const secret of [...this.secrets.values()]) {
      const live = this.live(secret, now);
      if (live) out.push(live);
    }
    return out;
  }

  byArn(arn: string, now: number): SecretRecord | undefined {
    return this.live(this.secrets.get(arn), now);
  }

  named(name: string, now: number): SecretRecord | undefined {
    const arn = this.byName.get(name);
    return arn === undefined ? undefined : this.byArn(arn, now);
  }

  value(arn: string, versionId: string): SecretValue | undefined {
    return this.values.get(valueKey(arn, versionId));
  }

  /** Writes a secret's record and, in the same durable write, new version values and removed versions' values. */
  save(secret: SecretRecord, newValues: Readonly<Record<string, SecretValue>> = {}, previous?: SecretRecord): void {
    this.state.transaction(() => {
      for (const [versionId, value] of Object.entries(newValues))
        this.values.put(valueKey(secret.arn, versionId), value);
      for (const versionId of Object.keys(previous?.versions ?? {})) {
        if (!(versionId in secret.versions)) this.values.delete(valueKey(secret.arn, versionId));
      }
      this.secrets.put(secret.arn, secret);
    });
    this.byName.set(secret.name, secret.arn);
  }

  /** Deletes a secret and every value of it for good. */
  remove(secret: SecretRecord): void {
    this.state.transaction(() => {
      for (const versionId of Object.keys(secret.versions)) this.values.delete(valueKey(secret.arn, versionId));
      this.secrets.delete(secret.arn);
    });
    if (this.byName.get(secret.name) === secret.arn) this.byName.delete(secret.name);
  }

  /** Resolves once every change so far is durable (group commit): answers wait for it. */
  durable(): Promise<void> {
    return this.state.durable();
  }

  close(): void {
    this.state.close();
  }

  private live(secret: SecretRecord | undefined, now: number): SecretRecord | undefined {
    if (secret?.deletionDate && secret.deletionDate.getTime() <= now) {
      this.remove(secret);
      return undefined;
    }
    return secret;
  }
}

const valueKey = (arn: string, versionId: string) => `${arn} ${versionId}`;
