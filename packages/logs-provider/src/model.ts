import { serviceModel } from '@localcloud/aws-model';
import * as logsModel from './generated/logs-model.json';

/** The API model generated from @aws-sdk/client-cloudwatch-logs and model/logs.constraints.json (`npm run generate`). */
export const LOGS_MODEL = serviceModel(logsModel);
