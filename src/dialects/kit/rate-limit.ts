import type { FastifyRequest } from 'fastify';

/**
 * Request limits whose counters live in the database (engine `hitRateLimit`), so that every
 * process of a gateway counts against one limit rather than each against its own.
 */

/** The engine's counter: one hit on `key` in the current window of `windowMs`. */
export type HitCounter = (q: {
  key: string;
  windowMs: number;
}) => Promise<{ hits: number; resetInMs: number }>;

/** A limit of `max` requests per `windowMs`; `max` 0: none. */
export type RateLimit = { max: number; windowMs: number };

/** `Retry-After` seconds for a window ending in `ms` (at least 1: 0 would invite a retry storm). */
export const retryAfterSeconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

/**
 * Counts one request against `key`; the seconds until the window ends when the request is one
 * too many, else null. A counter that cannot be reached (the database is away) lets the request
 * through: the request will meet the same database and fail in its own format.
 */
export async function overLimit(hit: HitCounter, key: string, limit: RateLimit): Promise<number | null> {
  if (limit.max <= 0) return null;
  let counted: { hits: number; resetInMs: number };
  try {
    counted = await hit({ key, windowMs: limit.windowMs });
  } catch {
    return null;
  }
  return counted.hits > limit.max ? retryAfterSeconds(counted.resetInMs) : null;
}

type StoreResult = { current: number; ttl: number };
/** What the plugin hands a store's `child`: the route's merged options, the route under `routeInfo`. */
type RouteInfo = { method?: unknown; url?: unknown };
const routeOf = (options: object): RouteInfo =>
  ((options as { routeInfo?: RouteInfo }).routeInfo ?? options) as RouteInfo;

/**
 * A `@fastify/rate-limit` store on the engine's shared counters. Each route's limit counts on
 * its own (as the plugin's local store does), its key prefixed with the route.
 */
export function sharedRateLimitStore(hit: HitCounter, namespace: string) {
  return class SharedStore {
    readonly #scope: string;
    constructor(options: object = {}) {
      const route = routeOf(options);
      this.#scope = `${namespace}:${[route.method ?? ''].flat().join(',')}:${String(route.url ?? '')}`;
    }
    incr(key: string, done: (error: Error | null, result?: StoreResult) => void, timeWindow: number): void {
      hit({ key: `${this.#scope}:${key}`, windowMs: timeWindow }).then(
        (h) => done(null, { current: h.hits, ttl: h.resetInMs }),
        (error: Error) => done(error),
      );
    }
    child(options: object): SharedStore {
      return new SharedStore(options);
    }
  };
}

/** The client address a limit is kept for (Fastify's `req.ip`, which honours `trustProxy`). */
export const clientAddressOf = (req: FastifyRequest): string => req.ip;
