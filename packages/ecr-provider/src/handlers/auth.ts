import type { EcrScope } from '../ecr-scope';

export function getAuthorizationToken(input: { registryIds?: string[] }, ctx: EcrScope) {
  const accounts = input.registryIds?.length ? input.registryIds : [ctx.scope.accountId];
  return {
    authorizationData: accounts.map((accountId) => {
      const { password, expiresAt } = ctx.registry.tokens.issue(
        { accountId, region: ctx.scope.region },
        ctx.now.getTime(),
      );
      return {
        authorizationToken: Buffer.from(`AWS:${password}`).toString('base64'),
        expiresAt,
        proxyEndpoint: `http://${ctx.registry.host}`,
      };
    }),
  };
}
