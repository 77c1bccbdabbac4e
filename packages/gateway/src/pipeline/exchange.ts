import type { Request, Response } from 'express';
import type { ServiceProvider } from '../plugin/service-provider';

/**
 * The request's state as the pipeline fills it in, step by step. Each step reads what earlier steps
 * wrote instead of re-reading headers.
 */
export interface Exchange {
  requestId: string;
  startedAt: number;
  service?: string;
  provider?: ServiceProvider;
  operation?: string;
  region?: string;
  accountId?: string;
  accessKeyId?: string;
  input?: Record<string, unknown>;
  contentType: string;
}

export function exchangeOf(res: Response): Exchange {
  return res.locals.exchange as Exchange;
}

export type Step = (req: Request, res: Response, exchange: Exchange) => void | Promise<void>;
