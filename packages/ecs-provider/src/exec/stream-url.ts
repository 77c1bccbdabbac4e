/** Where the gateway serves ECS Exec data channels: `ws://<gateway>/_localcloud/ecs/data-channel/<session id>`. */
export const DATA_CHANNEL_PATH = '/_localcloud/ecs/data-channel/';

/** A `host[:port]` as a Host header carries it: a name or IPv4 address, or a bracketed IPv6 address. */
const HOST_HEADER = /^(?:[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * The stream URL ExecuteCommand returns: on the address the client used to reach the gateway (its Host
 * header), so it works wherever the ECS endpoint worked, in the dev stack too; the gateway's own URL
 * when the header is missing or not a plain host. `role=publish_subscribe` is what SSM's URLs carry.
 */
export function streamUrl(sessionId: string, host: string | undefined, gatewayUrl: string): string {
  const authority = host && HOST_HEADER.test(host) ? host : new URL(gatewayUrl).host;
  return `ws://${authority}${DATA_CHANNEL_PATH}${encodeURIComponent(sessionId)}?role=publish_subscribe`;
}
