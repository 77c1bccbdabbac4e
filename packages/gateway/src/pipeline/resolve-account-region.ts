import { credentialScopeOf, type Step } from './exchange';

const ACCOUNT_ID = /^\d{12}$/;

/**
 * Region from the credential scope, account from the access key id: a 12-digit key id is that
 * account, anything else maps to the default account.
 */
export function resolveAccountRegion(defaults: { region: string; accountId: string }): Step {
  return (req, _res, exchange) => {
    const scope = credentialScopeOf(req, exchange);
    exchange.region = scope?.region ?? defaults.region;
    exchange.accessKeyId = scope?.accessKeyId;
    exchange.accountId = scope && ACCOUNT_ID.test(scope.accessKeyId) ? scope.accessKeyId : defaults.accountId;
  };
}
