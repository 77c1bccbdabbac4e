import type { OperationHandler } from '@localcloud/gateway';
import type { EcrScope } from './ecr-scope';
import { getAuthorizationToken } from './handlers/auth';
import {
  deleteLifecyclePolicy,
  deleteRepositoryPolicy,
  getLifecyclePolicy,
  getLifecyclePolicyPreview,
  getRepositoryPolicy,
  putLifecyclePolicy,
  setRepositoryPolicy,
  startLifecyclePolicyPreview,
} from './handlers/policies';
import { listTagsForResource, tagResource, untagResource } from './handlers/tags';
import { batchDeleteImage, batchGetImage, describeImages, listImagesHandler, putImage } from './handlers/images';
import {
  createRepository,
  deleteRepository,
  describeRepositories,
  putImageTagMutability,
} from './handlers/repositories';

export type { EcrScope } from './ecr-scope';

/**
 * The ECR operations localcloud implements, by API operation name. Every other operation of the API
 * (62 in the model) answers NotImplementedException (501).
 */
export const ECR_HANDLERS: Readonly<Record<string, OperationHandler<EcrScope>>> = {
  CreateRepository: createRepository,
  DescribeRepositories: describeRepositories,
  DeleteRepository: deleteRepository,
  PutImageTagMutability: putImageTagMutability,
  GetAuthorizationToken: getAuthorizationToken,
  ListImages: listImagesHandler,
  DescribeImages: describeImages,
  BatchGetImage: batchGetImage,
  BatchDeleteImage: batchDeleteImage,
  PutImage: putImage,
  SetRepositoryPolicy: setRepositoryPolicy,
  GetRepositoryPolicy: getRepositoryPolicy,
  DeleteRepositoryPolicy: deleteRepositoryPolicy,
  PutLifecyclePolicy: putLifecyclePolicy,
  GetLifecyclePolicy: getLifecyclePolicy,
  DeleteLifecyclePolicy: deleteLifecyclePolicy,
  StartLifecyclePolicyPreview: startLifecyclePolicyPreview,
  GetLifecyclePolicyPreview: getLifecyclePolicyPreview,
  TagResource: tagResource,
  UntagResource: untagResource,
  ListTagsForResource: listTagsForResource,
};
