/**
 * The part of autocannon 9's programmatic API that bench/http.ts uses (the package ships no
 * types). See node_modules/autocannon/README.md, "API".
 */
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  export type Request = {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    /** Called before each send of this request; returns the request to send (falsy: restart). */
    setupRequest?: (request: Request, context: Record<string, unknown>) => Request | null | undefined;
    onResponse?: (
      status: number,
      body: string,
      context: Record<string, unknown>,
      headers: Record<string, string>,
    ) => void;
  };

  /** One connection; an EventEmitter (`response`, `headers`, `body`, `reset`). */
  export type Client = EventEmitter & {
    setHeaders(headers: Record<string, string> | undefined): void;
    setBody(body: string | Buffer | undefined): void;
    setRequests(requests: Request[]): void;
  };

  export type Options = {
    url: string;
    connections?: number;
    /** Seconds. */
    duration?: number;
    amount?: number;
    pipelining?: number;
    /** Seconds before a request counts as a timeout (an error). */
    timeout?: number;
    method?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    requests?: Request[];
    setupClient?: (client: Client) => void;
    bailout?: number;
    excludeErrorStats?: boolean;
  };

  export type Histogram = {
    average: number;
    mean: number;
    stddev: number;
    min: number;
    max: number;
    total: number;
    p50: number;
    p90: number;
    p99: number;
  };

  export type Result = {
    duration: number;
    errors: number;
    timeouts: number;
    mismatches: number;
    resets: number;
    non2xx: number;
    '2xx': number;
    statusCodeStats: Record<string, { count: number }>;
    /** Per-second samples; `total` is the responses counted, `sent` the requests sent. */
    requests: Histogram & { sent: number };
    /** Milliseconds, whole (the histogram's resolution is 1 ms), 2xx responses only by default. */
    latency: Histogram;
    throughput: Histogram;
    start: Date;
    finish: Date;
  };

  /** The running benchmark: events (`response`, `tick`, `done`, `reqError`) and a promise of the result. */
  export type Instance = EventEmitter &
    PromiseLike<Result> & {
      stop(): void;
      on(
        event: 'response',
        listener: (client: Client, statusCode: number, resBytes: number, responseTimeMs: number) => void,
      ): Instance;
      on(event: 'reqError', listener: (error: Error) => void): Instance;
      on(event: string, listener: (...args: unknown[]) => void): Instance;
    };

  function autocannon(options: Options): Instance;
  export default autocannon;
}
