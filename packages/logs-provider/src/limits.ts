/** CloudWatch Logs quotas that shape requests and responses, as AWS documents them. */

const HOUR_MS = 60 * 60 * 1000;

/** PutLogEvents: events per batch. */
export const MAX_BATCH_EVENTS = 10_000;
/** PutLogEvents: the sum of the messages' UTF-8 bytes plus 26 bytes per event. */
export const MAX_BATCH_BYTES = 1_048_576;
export const EVENT_OVERHEAD_BYTES = 26;
/** PutLogEvents: a batch may not span more than 24 hours. */
export const MAX_BATCH_SPAN_MS = 24 * HOUR_MS;
/** PutLogEvents: events more than 14 days old are rejected (`tooOldLogEventEndIndex`). */
export const MAX_PAST_MS = 14 * 24 * HOUR_MS;
/** PutLogEvents: events more than 2 hours in the future are rejected (`tooNewLogEventStartIndex`). */
export const MAX_FUTURE_MS = 2 * HOUR_MS;

/**
 * GetLogEvents and FilterLogEvents: at most 10,000 events and about 1 MB per response. The size is counted
 * like a PutLogEvents batch, so a page always holds a full batch.
 */
export const MAX_RESPONSE_EVENTS = 10_000;
export const MAX_RESPONSE_BYTES = 1_048_576;
