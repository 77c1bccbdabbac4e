import type { StateStore } from '@localcloud/persistence';

export interface RepositoryRecord {
  readonly repositoryName: string;
  readonly createdAt: Date;
  readonly imageTagMutability: string;
  readonly scanOnPush: boolean;
  readonly encryptionType: string;
  readonly kmsKey?: string;
  readonly tags: readonly { Key: string; Value: string }[];
  readonly policyText?: string;
  readonly lifecyclePolicyText?: string;
  readonly lifecycleUpdatedAt?: Date;
  /** When the lifecycle policy was last applied. */
  readonly lifecycleEvaluatedAt?: Date;
  /** The last StartLifecyclePolicyPreview's result. */
  readonly lifecyclePreview?: LifecyclePreview;
}

export interface LifecyclePreview {
  readonly lifecyclePolicyText: string;
  readonly results: readonly {
    readonly imageDigest: string;
    readonly imageTags: readonly string[];
    readonly imagePushedAt: Date;
    readonly appliedRulePriority: number;
  }[];
}

/** What the registry does not record about an image: when it was pushed. */
export interface ImageRecord {
  readonly repositoryName: string;
  readonly digest: string;
  readonly pushedAt: Date;
}

/** The state of one account and region: durable tables of a @localcloud/persistence store. */
export class EcrStore {
  readonly repositories;
  readonly images;

  constructor(private readonly state: StateStore) {
    this.repositories = state.table<RepositoryRecord>('ecr.repositories');
    this.images = state.table<ImageRecord>('ecr.images');
  }

  repository(name: string): RepositoryRecord | undefined {
    const record = this.repositories.get(name);
    return record && revive(record);
  }

  image(repositoryName: string, digest: string): ImageRecord | undefined {
    const record = this.images.get(imageKey(repositoryName, digest));
    return record && { ...record, pushedAt: new Date(record.pushedAt) };
  }

  /** Records a push; an image pushed again keeps its first time, as ECR does. */
  imagePushed(repositoryName: string, digest: string, now: Date): void {
    if (this.images.has(imageKey(repositoryName, digest))) return;
    this.images.put(imageKey(repositoryName, digest), { repositoryName, digest, pushedAt: now });
  }

  imageDeleted(repositoryName: string, digest: string): void {
    this.images.delete(imageKey(repositoryName, digest));
  }

  /** Digests recorded for a repository (pushes through the front, PutImage). */
  digests(repositoryName: string): string[] {
    return [...this.images.values()].filter((i) => i.repositoryName === repositoryName).map((i) => i.digest);
  }

  deleteRepository(name: string): void {
    this.state.transaction(() => {
      for (const digest of this.digests(name)) this.images.delete(imageKey(name, digest));
      this.repositories.delete(name);
    });
  }

  /** Resolves once every change so far is durable (group commit): answers wait for it. */
  durable(): Promise<void> {
    return this.state.durable();
  }

  close(): void {
    this.state.close();
  }
}

const imageKey = (repositoryName: string, digest: string) => `${repositoryName}@${digest}`;

function revive(record: RepositoryRecord): RepositoryRecord {
  return {
    ...record,
    createdAt: new Date(record.createdAt),
    lifecycleUpdatedAt: record.lifecycleUpdatedAt && new Date(record.lifecycleUpdatedAt),
    lifecycleEvaluatedAt: record.lifecycleEvaluatedAt && new Date(record.lifecycleEvaluatedAt),
    lifecyclePreview: record.lifecyclePreview && {
      ...record.lifecyclePreview,
      results: record.lifecyclePreview.results.map((r) => ({ ...r, imagePushedAt: new Date(r.imagePushedAt) })),
    },
  };
}
