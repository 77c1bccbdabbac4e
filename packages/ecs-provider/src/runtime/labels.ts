/**
 * Labels on every container the ECS provider starts. They are the only way the provider finds its
 * containers again (events, restart re-adoption, clean-up), so they live in this one place.
 */
export const LABELS = {
  /** Marks a container as started by localcloud's ECS provider; the value is the container prefix. */
  managed: 'localcloud.ecs.managed',
  /**
   * The gateway instance that owns the container (kept in its data directory, or one per process without
   * persistence). Two gateways on one engine with the same prefix each touch only their own containers.
   */
  instance: 'localcloud.ecs.instance',
  accountId: 'localcloud.account',
  region: 'localcloud.region',
  clusterArn: 'localcloud.ecs.cluster',
  taskArn: 'localcloud.ecs.task-arn',
  taskDefinitionArn: 'localcloud.ecs.task-definition',
  /** The ECS container name; absent on the task's network holder. */
  containerName: 'localcloud.ecs.container-name',
  /** `container` for task containers, `network-holder` for the container owning a task's network namespace. */
  role: 'localcloud.ecs.role',
} as const;

export type ContainerRole = 'container' | 'network-holder';
