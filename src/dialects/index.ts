import type { DialectModule } from './dialect.ts';
import { impay } from './impay/index.ts';
import { paykeeper } from './paykeeper/index.ts';
import { paymega } from './paymega/index.ts';

/** Every dialect the gateway speaks. Add one line per dialect. */
export const dialects: readonly DialectModule[] = [paymega, impay, paykeeper];
