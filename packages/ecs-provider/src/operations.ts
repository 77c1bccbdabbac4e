import type { OperationHandler } from '@localcloud/gateway';
import type { EcsScope } from './ecs-scope';
import {
  createCluster,
  deleteCluster,
  describeClusters,
  listClusters,
  putClusterCapacityProviders,
  updateCluster,
  updateClusterSettings,
} from './handlers/clusters';
import {
  createCapacityProvider,
  deleteCapacityProvider,
  describeCapacityProviders,
  updateCapacityProvider,
} from './handlers/capacity-providers';
import {
  deleteTaskDefinitions,
  deregisterTaskDefinition,
  describeTaskDefinition,
  listTaskDefinitionFamilies,
  listTaskDefinitions,
  registerTaskDefinition,
} from './handlers/task-definitions';
import { listTagsForResource, tagResource, untagResource } from './handlers/tags';
import {
  deleteAccountSetting,
  listAccountSettings,
  putAccountSetting,
  putAccountSettingDefault,
} from './handlers/account-settings';
import { describeTasks, listTasks, runTask, startTask, stopTask } from './handlers/tasks';
import { getTaskProtection, updateTaskProtection } from './handlers/task-protection';
import {
  deleteAttributes,
  deregisterContainerInstance,
  describeContainerInstances,
  listAttributes,
  listContainerInstances,
  putAttributes,
  registerContainerInstance,
  updateContainerInstancesState,
} from './handlers/container-instances';
import { executeCommand } from './handlers/execute-command';
import {
  createService,
  deleteService,
  describeServices,
  listServices,
  listServicesByNamespace,
  updateService,
} from './handlers/services';
import {
  continueServiceDeployment,
  describeServiceDeployments,
  describeServiceRevisions,
  listServiceDeployments,
  stopServiceDeployment,
} from './handlers/service-deployments';

/** ECS operations localcloud implements, by API operation name. The rest answer "not implemented". */
export const ECS_HANDLERS: Readonly<Record<string, OperationHandler<EcsScope>>> = {
  // Clusters
  CreateCluster: createCluster,
  DescribeClusters: describeClusters,
  ListClusters: listClusters,
  UpdateCluster: updateCluster,
  UpdateClusterSettings: updateClusterSettings,
  PutClusterCapacityProviders: putClusterCapacityProviders,
  DeleteCluster: deleteCluster,
  // Capacity providers
  CreateCapacityProvider: createCapacityProvider,
  UpdateCapacityProvider: updateCapacityProvider,
  DeleteCapacityProvider: deleteCapacityProvider,
  DescribeCapacityProviders: describeCapacityProviders,
  // Task definitions
  RegisterTaskDefinition: registerTaskDefinition,
  DescribeTaskDefinition: describeTaskDefinition,
  ListTaskDefinitions: listTaskDefinitions,
  ListTaskDefinitionFamilies: listTaskDefinitionFamilies,
  DeregisterTaskDefinition: deregisterTaskDefinition,
  DeleteTaskDefinitions: deleteTaskDefinitions,
  // Tags
  TagResource: tagResource,
  UntagResource: untagResource,
  ListTagsForResource: listTagsForResource,
  // Account settings
  PutAccountSetting: putAccountSetting,
  PutAccountSettingDefault: putAccountSettingDefault,
  ListAccountSettings: listAccountSettings,
  DeleteAccountSetting: deleteAccountSetting,
  // Tasks
  RunTask: runTask,
  StartTask: startTask,
  StopTask: stopTask,
  DescribeTasks: describeTasks,
  ListTasks: listTasks,
  // Task scale-in protection
  UpdateTaskProtection: updateTaskProtection,
  GetTaskProtection: getTaskProtection,
  // Container instances and attributes
  ListContainerInstances: listContainerInstances,
  DescribeContainerInstances: describeContainerInstances,
  UpdateContainerInstancesState: updateContainerInstancesState,
  RegisterContainerInstance: registerContainerInstance,
  DeregisterContainerInstance: deregisterContainerInstance,
  PutAttributes: putAttributes,
  DeleteAttributes: deleteAttributes,
  ListAttributes: listAttributes,
  ExecuteCommand: executeCommand,
  // Services
  CreateService: createService,
  UpdateService: updateService,
  DeleteService: deleteService,
  DescribeServices: describeServices,
  ListServices: listServices,
  ListServicesByNamespace: listServicesByNamespace,
  // Service deployments and revisions
  ListServiceDeployments: listServiceDeployments,
  DescribeServiceDeployments: describeServiceDeployments,
  DescribeServiceRevisions: describeServiceRevisions,
  StopServiceDeployment: stopServiceDeployment,
  ContinueServiceDeployment: continueServiceDeployment,
};
