import { truncateText } from '@localcloud/gateway';
import { isIP } from 'node:net';
import type { Handler } from '../operations';
import type { TargetGroupRecord } from '../domain/records';
import { targetKey } from '../domain/records';
import { HEALTH } from '../domain/target-health';
import { InvalidTarget, ValidationError } from '../errors';
import { requireTargetGroup } from './common';
import { loadBalancersOf } from './target-groups';

interface TargetInput {
  Id: string;
  Port?: number;
  AvailabilityZone?: string;
}

function portOf(tg: TargetGroupRecord, target: TargetInput): number {
  const port = target.Port ?? tg.port;
  if (port === undefined) throw new ValidationError(`A port must be specified for target '${truncateText(target.Id)}'`);
  return port;
}

/** An `ip` target is an IPv4 or IPv6 address; an `instance` target an instance id (localcloud: the local host). */
function checkTargetId(tg: TargetGroupRecord, id: string): void {
  if (tg.targetType === 'ip' && isIP(id) === 0) {
    throw new InvalidTarget(`The IP address '${truncateText(id)}' is not a valid IPv4 address`);
  }
  if (tg.targetType === 'instance' && !/^(i|mi)-[0-9a-zA-Z]+$/.test(id)) {
    throw new InvalidTarget(`The following targets are not valid instances: '${truncateText(id)}'`);
  }
}

const registerTargets: Handler = async (
  input: { TargetGroupArn: string; Targets: TargetInput[] },
  { store, scope, plane },
) => {
  const tg = requireTargetGroup(store, input.TargetGroupArn);
  const targets = input.Targets.map((t) => {
    checkTargetId(tg, t.Id);
    return { targetGroupArn: tg.arn, id: t.Id, port: portOf(tg, t), availabilityZone: t.AvailabilityZone };
  });
  // Registering a draining target again puts it back in service, as ELBv2 does.
  store.transaction(() => targets.forEach((t) => store.targets.put(targetKey(tg.arn, t.id, t.port), t)));
  await plane.changed(scope, store);
  return {};
};

const deregisterTargets: Handler = async (
  input: { TargetGroupArn: string; Targets: TargetInput[] },
  { store, scope, plane, now },
) => {
  const tg = requireTargetGroup(store, input.TargetGroupArn);
  // A target is its id and port (the group's when none is given). One not registered so, never registered or
  // registered on another port, is skipped: "If the specified target does not exist, the action returns
  // successfully" (API reference), and a target registered with a port override stays until asked with it.
  const keys = input.Targets.map((t) => targetKey(tg.arn, t.Id, portOf(tg, t))).filter((key) => store.targets.has(key));
  // A target in service drains for the group's deregistration delay before it is gone.
  const delaySeconds = Number(tg.attributes['deregistration_delay.timeout_seconds'] ?? 300);
  const inService = loadBalancersOf(store, tg.arn).length > 0;
  store.transaction(() => {
    for (const key of keys) {
      const target = store.targets.get(key)!;
      if (!inService || delaySeconds === 0) store.targets.delete(key);
      else if (!target.drainingUntil) {
        store.targets.put(key, { ...target, drainingUntil: new Date(now().getTime() + delaySeconds * 1000) });
      }
    }
  });
  await plane.changed(scope, store);
  return {};
};

const describeTargetHealth: Handler = async (
  input: { TargetGroupArn: string; Targets?: TargetInput[] },
  { store, plane },
) => {
  const tg = requireTargetGroup(store, input.TargetGroupArn);
  const asked = input.Targets?.length
    ? input.Targets.map((t) => ({ id: t.Id, port: portOf(tg, t), availabilityZone: t.AvailabilityZone }))
    : store.targetsOf(tg.arn);
  return {
    TargetHealthDescriptions: asked.map((t) => {
      const registered = store.targets.get(targetKey(tg.arn, t.id, t.port));
      const health = registered ? plane.targetHealth(store, tg.arn, t) : HEALTH.notRegistered;
      return {
        Target: { Id: t.id, Port: t.port, AvailabilityZone: registered?.availabilityZone ?? t.availabilityZone },
        HealthCheckPort: tg.healthCheck.port === 'traffic-port' ? String(t.port) : tg.healthCheck.port,
        TargetHealth: health,
      };
    }),
  };
};

export const TARGET_HANDLERS: Readonly<Record<string, Handler>> = {
  RegisterTargets: registerTargets,
  DeregisterTargets: deregisterTargets,
  DescribeTargetHealth: describeTargetHealth,
};
