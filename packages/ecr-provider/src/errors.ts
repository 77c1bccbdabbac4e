import { defineServiceError } from '@localcloud/gateway';

/* ECR error codes, by the names of the API model. All are HTTP 400 except ServerException. */
export const InvalidParameterException = defineServiceError('InvalidParameterException');
export const RepositoryNotFoundException = defineServiceError('RepositoryNotFoundException');
export const RepositoryAlreadyExistsException = defineServiceError('RepositoryAlreadyExistsException');
export const RepositoryNotEmptyException = defineServiceError('RepositoryNotEmptyException');
export const ImageNotFoundException = defineServiceError('ImageNotFoundException');
export const ImageAlreadyExistsException = defineServiceError('ImageAlreadyExistsException');
export const ImageTagAlreadyExistsException = defineServiceError('ImageTagAlreadyExistsException');
export const ImageDigestDoesNotMatchException = defineServiceError('ImageDigestDoesNotMatchException');
export const LayersNotFoundException = defineServiceError('LayersNotFoundException');
export const ReferencedImagesNotFoundException = defineServiceError('ReferencedImagesNotFoundException');
export const RepositoryPolicyNotFoundException = defineServiceError('RepositoryPolicyNotFoundException');
export const LifecyclePolicyNotFoundException = defineServiceError('LifecyclePolicyNotFoundException');
export const LifecyclePolicyPreviewNotFoundException = defineServiceError('LifecyclePolicyPreviewNotFoundException');
export const InvalidTagParameterException = defineServiceError('InvalidTagParameterException');
export const TooManyTagsException = defineServiceError('TooManyTagsException');
export const ServerException = defineServiceError('ServerException', 500);

export const repositoryNotFound = (name: string, registryId: string) =>
  new RepositoryNotFoundException(
    `The repository with name '${name}' does not exist in the registry with id '${registryId}'`,
  );

export const immutableTagMessage = (tag: string, repository: string) =>
  `The image tag '${tag}' already exists in the '${repository}' repository and cannot be overwritten because the repository is immutable.`;
