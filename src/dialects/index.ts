import type { DialectModule } from './dialect.ts';

/** Every dialect the gateway speaks. Add one line per dialect. */
export const dialects: readonly DialectModule[] = [];
