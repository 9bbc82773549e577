// The one HTTP client every metadata datasource and #include uses: node:http (cheaper to load than
// fetch), a per-request timeout, a bounded retry policy with jitter, an overall deadline
// so a metadata service that hangs, errs or lies can never hold up the boot past max_wait,
// and a cap on the body so an endless one cannot fill the memory.
import * as http from "node:http";
import type { Deadline } from "../host/clock";

export interface HttpResponse {
  status: number;
  body: Buffer;
  headers: http.IncomingHttpHeaders;
}

export interface RequestOptions {
  method?: "GET" | "PUT" | "POST";
  body?: string;
  headers?: Record<string, string>;
  /** Per attempt. */
  timeoutMs: number;
  /** Largest body accepted (DEFAULT_MAX_BODY_BYTES when unset); a longer one aborts the request. */
  maxBytes?: number;
}

/** Room for user-data and vendor-data; meta-data callers ask for less. */
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;

export interface RetryPolicy {
  /** Further attempts after the first one fails (connection error, timeout, 5xx, 429). */
  retries: number;
  delayMs: number;
  /** After it no attempt starts, and a running one is cut (monotonicDeadline). */
  deadline: Deadline;
}

export class HttpError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** A body over its cap: asking again would only fetch the same bytes. */
export class BodyTooLargeError extends HttpError {}

/** One attempt. Rejects on connection errors, timeouts and bodies cut short. */
export function request(url: string, options: RequestOptions): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const transport: typeof http = url.startsWith("https:") ? (require("node:https") as typeof http) : http;
    const maxBytes = options.maxBytes ?? DEFAULT_MAX_BODY_BYTES;
    // settle first: the destroyed response also reports an abort, which must not win
    const refuse = () => {
      const err = new BodyTooLargeError(`${url}: body larger than ${maxBytes} bytes; refused`);
      reject(err);
      req.destroy(err);
    };
    const req = transport.request(url, { method: options.method ?? "GET", headers: options.headers, timeout: options.timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let received = 0;
      if (Number(res.headers["content-length"]) > maxBytes) {
        refuse();
        return;
      }
      res.on("data", (c: Buffer) => {
        received += c.length;
        if (received > maxBytes) {
          if (!req.destroyed) refuse();
        } else chunks.push(c);
      });
      res.on("aborted", () => reject(new HttpError(`${url}: connection closed before the body was complete`)));
      res.on("error", (err) => reject(new HttpError(`${url}: ${err.message}`)));
      res.on("end", () => {
        const expected = Number(res.headers["content-length"]);
        const body = Buffer.concat(chunks);
        if (!res.complete || (Number.isFinite(expected) && body.length !== expected)) {
          reject(new HttpError(`${url}: body cut short (${body.length} of ${res.headers["content-length"]} bytes)`));
        } else {
          resolve({ status: res.statusCode ?? 0, body, headers: res.headers });
        }
      });
    });
    const timer = setTimeout(() => req.destroy(new HttpError(`${url}: no answer within ${options.timeoutMs} ms`)), options.timeoutMs);
    req.on("close", () => clearTimeout(timer));
    req.on("timeout", () => req.destroy(new HttpError(`${url}: no answer within ${options.timeoutMs} ms`)));
    req.on("error", (err) => reject(err instanceof HttpError ? err : new HttpError(`${url}: ${err.message}`)));
    req.end(options.body);
  });
}

const RETRYABLE = (status: number) => status >= 500 || status === 429;

/** Retries failures the server may recover from; 2xx-4xx answers are returned as they are. */
export async function requestWithRetry(url: string, options: RequestOptions, policy: RetryPolicy): Promise<HttpResponse> {
  let lastError: Error | undefined;
  for (let attempt = 0; attempt <= policy.retries; attempt++) {
    const left = policy.deadline.left();
    if (left <= 0) break;
    const cutByDeadline = left < options.timeoutMs;
    try {
      const res = await request(url, { ...options, timeoutMs: Math.ceil(Math.min(options.timeoutMs, left)) });
      if (!RETRYABLE(res.status)) return res;
      lastError = new HttpError(`${url}: HTTP ${res.status}`, res.status);
    } catch (err) {
      if (err instanceof BodyTooLargeError) throw err;
      // a last attempt the deadline cut short says less than the answer before it (an HTTP 500)
      if (!(cutByDeadline && lastError)) lastError = err as Error;
    }
    if (attempt < policy.retries) await sleep(Math.min(policy.delayMs * (0.5 + Math.random()), policy.deadline.left()));
  }
  throw lastError ?? new HttpError(`${url}: not attempted before the deadline`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
