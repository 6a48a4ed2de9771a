import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

export const API_VERSION_HEADER = 'Docker-Distribution-API-Version';
export const API_VERSION = 'registry/2.0';

const V2_PATH = /(^|\/)v2(\/|$)/;

/**
 * `Docker-Distribution-API-Version: registry/2.0` on every answer under `/v2/` (behind any `http.prefix`),
 * set before anything else runs, so errors, 401s, 404s of unknown routes and the drain's 503 carry it too,
 * as distribution's router does.
 */
export function apiVersionHeader(req: IncomingMessage, res: ServerResponse, next: () => void): void {
  const url = req.url ?? '';
  const queryAt = url.indexOf('?');
  if (V2_PATH.test(queryAt === -1 ? url : url.slice(0, queryAt))) res.setHeader(API_VERSION_HEADER, API_VERSION);
  next();
}

/** Node's parser errors that are not a plain 400 (as Node's own default answers them). */
const CLIENT_ERRORS: Record<string, [number, string, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large', 'request header fields too large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'request timeout'],
};

/**
 * A request Node's parser refuses before any handler sees it (Node's `clientError`): headers (or the request
 * line) over the header size limit answer 431, a timed-out one 408, anything else malformed 400, each with
 * the spec's error body and the API version header; the connection is then closed.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, reason, message] = CLIENT_ERRORS[error.code ?? ''] ?? [400, 'Bad Request', 'malformed request'];
  const body = JSON.stringify({ errors: [{ code: 'UNSUPPORTED', message }] });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `${API_VERSION_HEADER}: ${API_VERSION}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
