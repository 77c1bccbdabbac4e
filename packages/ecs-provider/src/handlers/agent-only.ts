import type {
  DiscoverPollEndpointRequest,
  SubmitAttachmentStateChangesRequest,
  SubmitContainerStateChangeRequest,
  SubmitTaskStateChangeRequest,
  UpdateContainerAgentRequest,
} from '@aws-sdk/client-ecs';
import { quoted } from '@localcloud/gateway';
import type { EcsScope } from '../ecs-scope';
import {
  ClientException,
  InvalidParameterException,
  MissingVersionException,
  NoUpdateAvailableException,
} from '../errors';
import { findInstance } from './container-instances';
import { resolveCluster } from './resolve-cluster';

/*
 * The operations only the ECS container agent calls. localcloud's agent is built into the gateway (it
 * watches the Docker engine itself), so no agent ever calls these. A caller gets a deliberate
 * AWS-shaped refusal that says why, after the checks ECS makes of the request itself (the cluster
 * exists, the instance is known), never a 501 and never a fake success.
 */

/** No agent communication (ACS) or telemetry (TCS) endpoint exists to hand out. */
export function discoverPollEndpoint(input: DiscoverPollEndpointRequest, ecs: EcsScope): never {
  if (input.cluster !== undefined) resolveCluster(ecs, input.cluster);
  throw new ClientException(
    'DiscoverPollEndpoint is for the Amazon ECS container agent. localcloud runs its agent inside the gateway and serves no agent communication or telemetry endpoint for an external agent to poll.',
  );
}

function refuseStateChange(kind: string): never {
  throw new ClientException(
    `${kind} state changes are reported by the Amazon ECS container agent. localcloud's agent is built into the gateway and takes state from the Docker engine; a caller cannot submit it.`,
  );
}

export function submitTaskStateChange(input: SubmitTaskStateChangeRequest, ecs: EcsScope): never {
  resolveCluster(ecs, input.cluster);
  return refuseStateChange('Task');
}

export function submitContainerStateChange(input: SubmitContainerStateChangeRequest, ecs: EcsScope): never {
  resolveCluster(ecs, input.cluster);
  return refuseStateChange('Container');
}

export function submitAttachmentStateChanges(input: SubmitAttachmentStateChangesRequest, ecs: EcsScope): never {
  resolveCluster(ecs, input.cluster);
  return refuseStateChange('Attachment');
}

/**
 * The local instance's agent is the gateway itself: it is always the version that runs, so there is
 * never an update (NoUpdateAvailableException). A registered instance runs no agent localcloud can see
 * or update (MissingVersionException, as ECS answers when it cannot tell an agent's version).
 */
export function updateContainerAgent(input: UpdateContainerAgentRequest, ecs: EcsScope): never {
  const cluster = resolveCluster(ecs, input.cluster);
  const instance = findInstance(ecs.store, ecs.scope, cluster, input.containerInstance!);
  if (!instance || instance.status === 'INACTIVE') {
    throw new InvalidParameterException(
      `The referenced container instance ${quoted(input.containerInstance!)} was not found.`,
    );
  }
  if (instance.kind === 'local') {
    throw new NoUpdateAvailableException(
      'There is no update available for your container agent: the local instance’s agent is the localcloud gateway itself.',
    );
  }
  throw new MissingVersionException(
    'Amazon ECS is unable to determine the current version of the container agent on this container instance: localcloud runs no agent on registered instances to update.',
  );
}
