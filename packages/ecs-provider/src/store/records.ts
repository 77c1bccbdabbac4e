import type {
  Cluster,
  Service,
  ServiceConnectConfiguration,
  ServiceConnectServiceResource,
  ServiceDeployment,
  ServiceRevision,
  Setting,
  Tag,
  TaskDefinition,
} from '@aws-sdk/client-ecs';
import type { TaskRecord as RuntimeTaskRecord } from '../runtime/task-record';
import type { ServiceSchedulerState } from '../domain/service';

/**
 * What the ECS store keeps. Records are the SDK's own shapes where they exist, minus what is derived at
 * read time (cluster counts and statistics come from the task and service collections).
 */
export type ClusterRecord = Omit<
  Cluster,
  'runningTasksCount' | 'pendingTasksCount' | 'activeServicesCount' | 'statistics' | 'registeredContainerInstancesCount'
> & { clusterArn: string; clusterName: string; status: ClusterStatus; createdAt: Date };

export type ClusterStatus = 'ACTIVE' | 'PROVISIONING' | 'DEPROVISIONING' | 'FAILED' | 'INACTIVE';

/** A task definition revision as DescribeTaskDefinition returns it, with its tags alongside. */
export interface TaskDefinitionRecord {
  readonly taskDefinition: TaskDefinition & { taskDefinitionArn: string; family: string; revision: number };
  readonly tags: Tag[];
}

/**
 * One per family: the last revision number ever handed out (numbering continues after deregistration,
 * deletion and restarts) and how many revisions are ACTIVE (the family's status), so neither needs a scan.
 */
export interface FamilyRecord {
  readonly family: string;
  readonly lastRevision: number;
  readonly activeRevisions: number;
}

/** An explicit account setting of one principal (the account default is the root principal's). */
export type AccountSettingRecord = Setting & { name: string; value: string; principalArn: string };

/** Services and tasks are written by their own handlers; the control plane only reads them (counts, deletes). */
export type ServiceRecord = Service & {
  serviceArn: string;
  clusterArn: string;
  tags?: Tag[];
  /** The scheduler's own bookkeeping (domain/service.ts); not part of the API shape. */
  scheduler?: ServiceSchedulerState;
  /** Service Connect settings as given (namespace as its ARN); ECS shows them on the deployments. */
  serviceConnectConfiguration?: ServiceConnectConfiguration;
  /** The Cloud Map services of those settings; ECS shows them on the deployments too. */
  serviceConnectResources?: ServiceConnectServiceResource[];
  /** The namespace's name: default client alias names are `<discoveryName>.<namespace name>`. Not shown. */
  serviceConnectNamespaceName?: string;
};
/** Tasks as the task runtime stores them (ECS shape plus their Docker side). */
export type TaskRecord = RuntimeTaskRecord;

/** A service revision: what one deployment deployed, as DescribeServiceRevisions shows it. Never changed. */
export type ServiceRevisionRecord = ServiceRevision & {
  serviceRevisionArn: string;
  serviceArn: string;
  /** Not part of the API shape: what a rollback to this revision needs beyond it (Service Connect's Cloud Map side). */
  local?: {
    readonly serviceConnectResources?: ServiceConnectServiceResource[];
    readonly serviceConnectNamespaceName?: string;
  };
};

/**
 * A service deployment as DescribeServiceDeployments shows it, plus which of the service's deployments
 * (`ecs-svc/…` ids) it is made of; task counts are derived while it is not finished, kept once it is.
 */
export type ServiceDeploymentRecord = ServiceDeployment & {
  serviceDeploymentArn: string;
  serviceArn: string;
  clusterArn: string;
  createdAt: Date;
  /** Not part of the API shape. */
  local: {
    /** The deployment (`ecs-svc/…`) of the target revision. */
    readonly deploymentId: string;
    /** The deployments of the source revisions. */
    readonly sourceDeploymentIds: readonly string[];
    /** The deployment that rolls this one back, once there is one. */
    rollbackDeploymentId?: string;
  };
};
