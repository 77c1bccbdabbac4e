// Test support shared with other packages' suites as `@localcloud/ecs-provider/testing`; never built.
import type { InputModel } from '@localcloud/gateway/testing';
import { serviceModel } from '@localcloud/aws-model';
import { inputModelOf } from '@localcloud/aws-model/testing';
import * as ecsModel from '../generated/ecs-model.json';

/** ECS's input shapes, from the same generated model the provider validates requests with. */
export const ECS_INPUT_MODEL: InputModel = inputModelOf(serviceModel(ecsModel));
