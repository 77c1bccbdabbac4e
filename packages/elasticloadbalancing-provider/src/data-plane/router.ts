import type { Action, ListenerRecord } from '../domain/records';
import { conditionsMatch, type RequestFacts } from '../domain/conditions';
import { forwardedTargetGroups } from '../domain/actions';

/** Where a request goes, as a listener's rules decide it. */
export type Decision =
  | { readonly kind: 'forward'; readonly host: string; readonly port: number }
  | { readonly kind: 'fixed-response'; readonly status: number; readonly contentType?: string; readonly body: string }
  | { readonly kind: 'redirect'; readonly status: number; readonly location: string }
  /** No target to send it to (ALB answers 503). */
  | { readonly kind: 'unavailable' };

/** What the router needs of the state: the rules in order and the targets of a group that take traffic. */
export interface RoutingState {
  rules(
    listenerArn: string,
  ): readonly { arn: string; conditions: readonly Record<string, unknown>[]; actions: readonly Action[] }[];
  /** Its healthy targets; when all are unhealthy, all of them (ELBv2 fails open). */
  servingTargets(targetGroupArn: string): readonly { host: string; port: number }[];
  pickGroup(forwardKey: string, groups: readonly { arn: string; weight: number }[]): string | undefined;
  pickTarget<T>(groupArn: string, targets: readonly T[]): T | undefined;
}

/** The first rule (by priority, the default last) whose conditions all match decides. */
export function route(state: RoutingState, listener: ListenerRecord, request: RequestFacts): Decision {
  const rule = state.rules(listener.arn).find((r) => conditionsMatch(r.conditions, request));
  const actions = [...(rule?.actions ?? listener.defaultActions)].sort(
    (a, b) => ((a.Order as number) ?? 0) - ((b.Order as number) ?? 0),
  );
  const action = actions.find((a) => a.Type === 'forward' || a.Type === 'fixed-response' || a.Type === 'redirect');
  if (!action) return { kind: 'unavailable' };
  if (action.Type === 'fixed-response') return fixedResponse(action);
  if (action.Type === 'redirect') return redirect(action, listener, request);
  const groups = forwardedTargetGroups([action]).filter((g) => state.servingTargets(g.arn).length > 0);
  const groupArn = state.pickGroup(rule?.arn ?? listener.arn, groups);
  const target = groupArn ? state.pickTarget(groupArn, state.servingTargets(groupArn)) : undefined;
  return target ? { kind: 'forward', ...target } : { kind: 'unavailable' };
}

function fixedResponse(action: Action): Decision {
  const config = action.FixedResponseConfig as { StatusCode: string; ContentType?: string; MessageBody?: string };
  return {
    kind: 'fixed-response',
    status: Number(config.StatusCode),
    contentType: config.ContentType,
    body: config.MessageBody ?? '',
  };
}

interface RedirectConfig {
  Protocol?: string;
  Port?: string;
  Host?: string;
  Path?: string;
  Query?: string;
  StatusCode: string;
}

/** ELBv2's redirect: each part defaults to the request's own, and may use `#{protocol}`, `#{host}`, `#{port}`, `#{path}`, `#{query}`. */
function redirect(action: Action, listener: ListenerRecord, request: RequestFacts): Decision {
  const config = action.RedirectConfig as RedirectConfig;
  const values: Record<string, string> = {
    protocol: listener.protocol.toLowerCase(),
    host: request.host.replace(/:\d+$/, ''),
    port: String(listener.port),
    path: request.path.replace(/^\//, ''),
    query: request.query.toString(),
  };
  const fill = (text: string) =>
    text.replace(/#\{(protocol|host|port|path|query)\}/g, (_, key: string) => values[key]!);
  const protocol = fill(config.Protocol ?? '#{protocol}').toLowerCase();
  const port = fill(config.Port ?? '#{port}');
  const defaultPort = (protocol === 'https' && port === '443') || (protocol === 'http' && port === '80');
  const query = fill(config.Query ?? '#{query}');
  const location = `${protocol}://${fill(config.Host ?? '#{host}')}${defaultPort ? '' : `:${port}`}${fill(config.Path ?? '/#{path}')}${query ? `?${query}` : ''}`;
  return { kind: 'redirect', status: config.StatusCode === 'HTTP_301' ? 301 : 302, location };
}
