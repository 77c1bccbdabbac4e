/**
 * Image names: ECR's (`<account>.dkr.ecr.<region>.amazonaws.com/<repository>[:tag|@digest]`) and the local
 * registry's (`<host>:<port>/<account>/<region>/<repository>…`), which is what `repositoryUri` says.
 */
export interface EcrImageName {
  readonly accountId: string;
  readonly region: string;
  readonly repositoryName: string;
  readonly tag?: string;
  readonly digest?: string;
}

const ECR_HOST = /^([0-9]{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/;

/** The path of a repository in the registry: every account and region shares one registry process. */
export const registryPath = (accountId: string, region: string, repositoryName: string) =>
  `${accountId}/${region}/${repositoryName}`;

/** Parses an ECR image URI, or a URI of this registry (`registryHost` is `localhost:<port>`). */
export function parseEcrImage(image: string, registryHost: string): EcrImageName | undefined {
  const slash = image.indexOf('/');
  if (slash < 0) return undefined;
  const host = image.slice(0, slash);
  let rest = image.slice(slash + 1);
  let accountId: string;
  let region: string;
  const ecr = ECR_HOST.exec(host);
  if (ecr) {
    accountId = ecr[1]!;
    region = ecr[2]!;
  } else if (host === registryHost) {
    const local = /^([0-9]{12})\/([a-z0-9-]+)\/(.+)$/.exec(rest);
    if (!local) return undefined;
    accountId = local[1]!;
    region = local[2]!;
    rest = local[3]!;
  } else return undefined;
  let digest: string | undefined;
  let tag: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  if (!digest && !tag) tag = 'latest';
  return { accountId, region, repositoryName: rest, tag, digest };
}
