import type { Failure, PlacementConstraint, Resource } from '@aws-sdk/client-ecs';
import { InvalidParameterException } from '../errors';
import { parseClusterQuery, type ClusterQuery, type InstanceFacts } from './cluster-query';
import { resourceValue, type ContainerInstanceRecord } from './container-instances';

/*
 * Where a task of the EC2 (or EXTERNAL) launch type goes: an ACTIVE container instance of its cluster that
 * meets its placement constraints (`memberOf`, `distinctInstance`) and, when resources are checked, has the
 * CPU and memory left. Among those, the one with fewest tasks (spread), the local instance first on a tie.
 */

export interface PlacementCandidate {
  readonly record: ContainerInstanceRecord;
  readonly facts: InstanceFacts;
  readonly remaining: readonly Resource[];
}

export interface PlacementRequest {
  readonly constraints: readonly PlacementConstraint[];
  readonly reservation: { readonly cpu: number; readonly memory: number };
  /** The task's group, for `distinctInstance`. */
  readonly group?: string;
  /** Instances already chosen for other tasks of the same request (`distinctInstance`). */
  readonly chosen: readonly string[];
  /** ECS refuses instances without the CPU or memory left; localcloud only in strict mode. */
  readonly checkResources: boolean;
}

export const NO_INSTANCES = 'No Container Instances were found in your cluster.';

/** Parses placement constraints once, refusing what ECS refuses (and expressions localcloud cannot evaluate). */
export function compileConstraints(constraints: readonly PlacementConstraint[]): {
  memberOf: ClusterQuery[];
  distinctInstance: boolean;
} {
  if (constraints.length > 10) throw new InvalidParameterException('A task can have at most 10 placement constraints.');
  const memberOf: ClusterQuery[] = [];
  let distinctInstance = false;
  for (const constraint of constraints) {
    if (constraint.type === 'memberOf') {
      if (!constraint.expression) throw new InvalidParameterException('A memberOf constraint requires an expression.');
      memberOf.push(parseClusterQuery(constraint.expression));
    } else if (constraint.type === 'distinctInstance') {
      if (constraint.expression) {
        throw new InvalidParameterException('A distinctInstance constraint does not take an expression.');
      }
      distinctInstance = true;
    } else {
      throw new InvalidParameterException(`Unknown placement constraint type '${String(constraint.type)}'.`);
    }
  }
  return { memberOf, distinctInstance };
}

/** The instance for one task, or the failures ECS reports for the instances that did not fit. */
export function choosePlacement(
  candidates: readonly PlacementCandidate[],
  request: PlacementRequest,
): { containerInstanceArn: string } | { failures: Failure[] } {
  const active = candidates.filter((c) => c.record.status === 'ACTIVE');
  if (active.length === 0) return { failures: [{ reason: NO_INSTANCES }] };
  const { memberOf, distinctInstance } = compileConstraints(request.constraints);
  const failures: Failure[] = [];
  const fitting = active.filter((candidate) => {
    const arn = candidate.record.containerInstanceArn;
    const reason = misfit(candidate, request, memberOf, distinctInstance);
    if (reason) failures.push({ arn, reason });
    return !reason;
  });
  if (fitting.length === 0) return { failures };
  const load = (c: PlacementCandidate) =>
    c.facts.runningTasksCount + request.chosen.filter((arn) => arn === c.record.containerInstanceArn).length;
  const best = [...fitting].sort(
    (a, b) =>
      load(a) - load(b) ||
      (a.record.kind === 'local' ? -1 : 0) - (b.record.kind === 'local' ? -1 : 0) ||
      a.record.registeredAt.getTime() - b.record.registeredAt.getTime(),
  )[0]!;
  return { containerInstanceArn: best.record.containerInstanceArn };
}

function misfit(
  candidate: PlacementCandidate,
  request: PlacementRequest,
  memberOf: readonly ClusterQuery[],
  distinctInstance: boolean,
): string | undefined {
  if (!memberOf.every((query) => query(candidate.facts))) return 'MemberOf';
  if (distinctInstance) {
    const arn = candidate.record.containerInstanceArn;
    if (request.chosen.includes(arn) || (request.group && candidate.facts.taskGroups.includes(request.group))) {
      return 'DistinctInstance';
    }
  }
  if (request.checkResources) {
    if ((resourceValue(candidate.remaining, 'CPU') ?? 0) < request.reservation.cpu) return 'RESOURCE:CPU';
    if ((resourceValue(candidate.remaining, 'MEMORY') ?? 0) < request.reservation.memory) return 'RESOURCE:MEMORY';
  }
  return undefined;
}
