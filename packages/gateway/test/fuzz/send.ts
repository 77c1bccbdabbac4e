import http from 'node:http';
import type { FuzzRequest } from './cases';

export interface FuzzResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
}

/** Sends one request; rejects when no full answer arrives within `timeoutMs` (a hang). */
export function send(
  baseUrl: string,
  request: FuzzRequest,
  agent: http.Agent,
  timeoutMs: number,
): Promise<FuzzResponse> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        hostname,
        port,
        path: request.path,
        method: request.method,
        agent,
        headers: { ...request.headers, 'content-length': String(request.body.length) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', reject);
      },
    );
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end(request.body);
  });
}

/** Longest error message a response may carry: values are quoted, never echoed whole. */
export const MAX_MESSAGE_CHARS = 2_048;

/**
 * What is wrong with a response, or undefined: a 5xx other than a 501 "not implemented/enabled", an
 * error that is not AWS-shaped, a leaked stack trace, an unbounded message, or a 200 that is not JSON.
 */
export function problemWith(response: FuzzResponse): string | undefined {
  const { status, text } = response;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return `status ${status} with a body that is not JSON: ${text.slice(0, 200)}`;
  }
  if (status >= 200 && status < 300) {
    return isRecord(body) ? undefined : `status ${status} with a body that is not a JSON object`;
  }
  if (!isRecord(body) || typeof body.__type !== 'string' || typeof body.message !== 'string') {
    return `status ${status} without an AWS error shape: ${text.slice(0, 200)}`;
  }
  const { __type: type, message } = body;
  if (status >= 500 && !(status === 501 && ['NotImplementedException', 'ServiceNotEnabledException'].includes(type))) {
    return `status ${status} ${type}: ${message.slice(0, 300)}`;
  }
  if (status < 400) return `status ${status} for an error ${type}`;
  if (response.headers['x-amzn-errortype'] !== type) return `x-amzn-ErrorType does not match __type ${type}`;
  if (/\n\s+at |RangeError|TypeError|ReferenceError|SyntaxError: /.test(message)) {
    return `${type} leaks internals: ${message.slice(0, 300)}`;
  }
  if (message.length > MAX_MESSAGE_CHARS)
    return `${type} message of ${message.length} characters: ${message.slice(0, 200)}…`;
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
