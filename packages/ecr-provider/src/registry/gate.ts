import type { EcrStore } from '../store';
import { immutableTagMessage } from '../errors';
import { registryPath } from '../image-uri';
import type { Refusal, RegistryGate as Gate, RepositoryAccess } from './auth-front';
import type { RegistryClient } from './registry-client';

const DIGEST = /^[a-z0-9]+:[a-f0-9]{32,}$/;

/** ECR's rules for registry requests: who may use which repository, and immutable tags. */
export class RegistryGate implements Gate {
  constructor(
    private readonly options: {
      readonly store: (accountId: string, region: string) => EcrStore;
      readonly client: () => RegistryClient | undefined;
      readonly clock: () => number;
      /** After a push: the repository's lifecycle policy is applied (never throws). */
      readonly pushed?: (accountId: string, region: string, repositoryName: string) => Promise<void>;
    },
  ) {}

  async check(access: RepositoryAccess): Promise<Refusal | undefined> {
    const { caller, accountId, region, repositoryName } = access;
    if (caller.accountId !== accountId || caller.region !== region) {
      return {
        status: 403,
        code: 'DENIED',
        message: `Your authorization token is for registry ${caller.accountId} in ${caller.region}, not ${accountId} in ${region}`,
      };
    }
    const repository = this.options.store(accountId, region).repository(repositoryName);
    if (!repository) {
      return {
        status: 404,
        code: 'NAME_UNKNOWN',
        message: `The repository with name '${repositoryName}' does not exist in the registry with id '${accountId}'`,
      };
    }
    const tag = access.reference;
    if (access.kind === 'manifests' && access.method === 'PUT' && tag && !DIGEST.test(tag)) {
      if (repository.imageTagMutability === 'IMMUTABLE') {
        const existing = await this.options.client()?.manifest(registryPath(accountId, region, repositoryName), tag);
        if (existing) return { status: 400, code: 'TAG_INVALID', message: immutableTagMessage(tag, repositoryName) };
      }
    }
    return undefined;
  }

  async manifestPushed(access: RepositoryAccess, digest: string): Promise<void> {
    if (!DIGEST.test(digest)) return;
    this.options
      .store(access.accountId, access.region)
      .imagePushed(access.repositoryName, digest, new Date(this.options.clock()));
    await this.options.pushed?.(access.accountId, access.region, access.repositoryName);
  }
}
