import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServiceError } from '../plugin/service-error';
import { MalformedQueryStringError, UnsupportedMediaTypeError } from '../errors';
import { truncateText } from '../plugin/value-preview';
import { escapeXml } from './xml';
import { headerOf, writeText } from './http';

const FORM_TYPE = 'application/x-www-form-urlencoded';

/**
 * The flat parameters of an AWS Query request: the URL's query string, then a form-encoded POST body
 * (a later value of a key replaces an earlier one). Percent-escapes that do not decode are a
 * MalformedQueryString, as AWS answers them.
 */
export function readQueryParams(req: IncomingMessage, body: Buffer | undefined): Map<string, string> {
  const params = new Map<string, string>();
  const search = (req.url ?? '').split('?')[1];
  if (search) addPairs(params, search);
  if (body && body.length > 0) {
    const contentType = headerOf(req, 'content-type')?.split(';')[0]!.trim().toLowerCase();
    if (contentType && contentType !== FORM_TYPE) {
      throw new UnsupportedMediaTypeError(
        `Unsupported Content-Type '${truncateText(contentType)}': AWS Query requests use ${FORM_TYPE}.`,
      );
    }
    addPairs(params, body.toString('latin1'));
  }
  return params;
}

function addPairs(params: Map<string, string>, text: string): void {
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = eq < 0 ? pair : pair.slice(0, eq);
    const value = eq < 0 ? '' : pair.slice(eq + 1);
    params.set(decode(key), decode(value));
  }
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    throw new MalformedQueryStringError(`The query string is malformed: '${text.slice(0, 100)}' does not decode.`);
  }
}

/** The XML document a Query operation answers: its result element and the request id. */
export function sendQueryResult(
  res: ServerResponse,
  operation: string,
  xmlNamespace: string | undefined,
  resultXml: string,
  requestId: string,
): void {
  const ns = xmlNamespace ? ` xmlns="${escapeXml(xmlNamespace)}"` : '';
  writeText(
    res,
    200,
    'text/xml',
    `<?xml version="1.0" encoding="UTF-8"?>\n<${operation}Response${ns}>${resultXml}` +
      `<ResponseMetadata><RequestId>${escapeXml(requestId)}</RequestId></ResponseMetadata></${operation}Response>`,
  );
}

/** AWS Query's error document: `Sender` when the caller is at fault, else `Receiver`. */
export function sendQueryError(
  res: ServerResponse,
  xmlNamespace: string | undefined,
  error: ServiceError,
  requestId: string,
): void {
  const ns = xmlNamespace ? ` xmlns="${escapeXml(xmlNamespace)}"` : '';
  const type = error.senderFault ? 'Sender' : 'Receiver';
  writeText(
    res,
    error.statusCode,
    'text/xml',
    `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse${ns}><Error><Type>${type}</Type>` +
      `<Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message></Error>` +
      `<RequestId>${escapeXml(requestId)}</RequestId></ErrorResponse>`,
  );
}
