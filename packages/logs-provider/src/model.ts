import { lazyServiceModel } from '@localcloud/aws-model';

/** The API model generated from @aws-sdk/client-cloudwatch-logs and model/logs.constraints.json (`npm run generate`). */
// Read on the first request that needs it (lazyServiceModel), not at start.
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const LOGS_MODEL = lazyServiceModel(() => require('./generated/logs-model.json'));
