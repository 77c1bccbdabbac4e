import { defineServiceError } from '@localcloud/gateway';

/*
 * ELBv2 errors by their AWS Query codes (the `awsQueryError` codes of the model, which the SDK maps back to
 * its exception names, e.g. `LoadBalancerNotFound` → LoadBalancerNotFoundException). All HTTP 400.
 * Handlers throw these; the gateway writes them as Query XML errors.
 */
export const ValidationError = defineServiceError('ValidationError');
export const LoadBalancerNotFound = defineServiceError('LoadBalancerNotFound');
export const TargetGroupNotFound = defineServiceError('TargetGroupNotFound');
export const ListenerNotFound = defineServiceError('ListenerNotFound');
export const RuleNotFound = defineServiceError('RuleNotFound');
export const DuplicateLoadBalancerName = defineServiceError('DuplicateLoadBalancerName');
export const DuplicateTargetGroupName = defineServiceError('DuplicateTargetGroupName');
export const DuplicateListener = defineServiceError('DuplicateListener');
export const DuplicateTagKeys = defineServiceError('DuplicateTagKeys');
export const PriorityInUse = defineServiceError('PriorityInUse');
export const ResourceInUse = defineServiceError('ResourceInUse');
export const InvalidTarget = defineServiceError('InvalidTarget');
export const InvalidConfigurationRequest = defineServiceError('InvalidConfigurationRequest');
export const IncompatibleProtocols = defineServiceError('IncompatibleProtocols');
export const UnsupportedProtocol = defineServiceError('UnsupportedProtocol');
export const InvalidLoadBalancerAction = defineServiceError('InvalidLoadBalancerAction');
export const TargetGroupAssociationLimit = defineServiceError('TargetGroupAssociationLimit');
export const TooManyTags = defineServiceError('TooManyTags');
export const TooManyActions = defineServiceError('TooManyActions');
export const OperationNotPermitted = defineServiceError('OperationNotPermitted');

export const loadBalancerNotFound = () => new LoadBalancerNotFound('One or more load balancers not found');
export const targetGroupNotFound = () => new TargetGroupNotFound('One or more target groups not found');
export const listenerNotFound = () => new ListenerNotFound('One or more listeners not found');
export const ruleNotFound = () => new RuleNotFound('One or more rules not found');
