import { quoted } from '@localcloud/gateway';
import type { RequestContext, ServiceProvider } from '@localcloud/gateway';
import { InvalidParameterException, NamespaceNotFoundException } from '../errors';

/** A Cloud Map namespace as ECS needs it. */
export interface CloudMapNamespace {
  readonly id: string;
  readonly arn: string;
  readonly name: string;
}

interface NamespaceShape {
  Id?: string;
  Arn?: string;
  Name?: string;
}

/**
 * ECS's calls into the Cloud Map provider for Service Connect, made through that provider's own API
 * (`handle` with the API's shapes), in the caller's account and region.
 */
export class CloudMapClient {
  constructor(
    /** The Cloud Map provider, looked up (and so loaded) when the first call needs it. */
    private readonly lookup: () => Promise<ServiceProvider | undefined>,
    private readonly request: Pick<RequestContext, 'requestId' | 'accountId' | 'region'>,
  ) {}

  /** The namespace a name or ARN refers to; undefined when there is none. */
  async findNamespace(reference: string): Promise<CloudMapNamespace | undefined> {
    if (reference.startsWith('arn:')) {
      try {
        const out = (await this.call('GetNamespace', { Id: reference })) as { Namespace?: NamespaceShape };
        return asNamespace(out.Namespace);
      } catch (error) {
        if (codeOf(error) === 'NamespaceNotFound' || codeOf(error) === 'InvalidInput') return undefined;
        throw error;
      }
    }
    let NextToken: string | undefined;
    do {
      const out = (await this.call('ListNamespaces', {
        Filters: [{ Name: 'NAME', Values: [reference], Condition: 'EQ' }],
        ...(NextToken ? { NextToken } : {}),
      })) as { Namespaces?: NamespaceShape[]; NextToken?: string };
      const found = out.Namespaces?.find((ns) => ns.Name === reference);
      if (found) return asNamespace(found);
      NextToken = out.NextToken;
    } while (NextToken);
    return undefined;
  }

  /** The namespace, which must exist (NamespaceNotFoundException, as ECS answers). */
  async requireNamespace(reference: string): Promise<CloudMapNamespace> {
    const found = await this.findNamespace(reference);
    if (!found) {
      throw new NamespaceNotFoundException(`The specified namespace wasn't found: ${quoted(reference)}`);
    }
    return found;
  }

  /**
   * A cluster's default namespace: an existing one by name or ARN, else (a name) a new HTTP namespace,
   * as ECS creates one for `serviceConnectDefaults`.
   */
  async namespaceForCluster(reference: string): Promise<CloudMapNamespace> {
    const found = await this.findNamespace(reference);
    if (found) return found;
    if (reference.startsWith('arn:')) {
      throw new NamespaceNotFoundException(`The specified namespace wasn't found: ${quoted(reference)}`);
    }
    await this.call('CreateHttpNamespace', { Name: reference });
    return this.requireNamespace(reference);
  }

  /** The Cloud Map service `name` in the namespace, created (API-only, tagged as ECS's) when missing. */
  async ensureService(namespace: CloudMapNamespace, name: string): Promise<string> {
    let NextToken: string | undefined;
    do {
      const out = (await this.call('ListServices', {
        Filters: [{ Name: 'NAMESPACE_ID', Values: [namespace.id], Condition: 'EQ' }],
        ...(NextToken ? { NextToken } : {}),
      })) as { Services?: { Arn?: string; Name?: string }[]; NextToken?: string };
      const found = out.Services?.find((s) => s.Name?.toLowerCase() === name.toLowerCase());
      if (found?.Arn) return found.Arn;
      NextToken = out.NextToken;
    } while (NextToken);
    const created = (await this.call('CreateService', {
      Name: name,
      NamespaceId: namespace.id,
      Type: 'HTTP',
      Tags: [{ Key: 'AmazonECSManaged', Value: 'true' }],
    })) as { Service?: { Arn?: string } };
    return created.Service!.Arn!;
  }

  private async call(operation: string, input: object): Promise<unknown> {
    const provider = await this.lookup();
    if (!provider) {
      throw new InvalidParameterException(
        'Service Connect needs AWS Cloud Map, which is not enabled in localcloud (add "servicediscovery" to SERVICES).',
      );
    }
    const context: RequestContext = {
      requestId: this.request.requestId,
      service: 'servicediscovery',
      operation,
      region: this.request.region,
      accountId: this.request.accountId,
    };
    return provider.handle(operation, input, context);
  }
}

function asNamespace(ns: NamespaceShape | undefined): CloudMapNamespace | undefined {
  return ns?.Id && ns.Arn && ns.Name ? { id: ns.Id, arn: ns.Arn, name: ns.Name } : undefined;
}

function codeOf(error: unknown): string | undefined {
  return (error as { code?: string }).code;
}
