import type { Static, TSchema } from '@sinclair/typebox';
import { type TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler';
import { fieldProblemFail } from './errors.ts';
import { PkFailure } from './route.ts';

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();

/**
 * $_REQUEST checked against an operation's wire schema (wire.ts): the first field that does
 * not fit fails in PayKeeper's words with its name (missing, too long, an array where text is
 * expected). Fields the schema does not name are ignored, as PHP ignores them.
 */
export function readRequest<S extends TSchema>(schema: S, params: Record<string, unknown>): Static<S> {
  let check = compiled.get(schema);
  if (!check) {
    check = TypeCompiler.Compile(schema);
    compiled.set(schema, check);
  }
  const first = check.Errors(params).First();
  if (!first) return params as Static<S>;
  const field = first.path.split('/')[1] || 'request';
  // a text too long for its field; else it is missing, or an array (`id[]=1`) where one value belongs
  throw new PkFailure(fieldProblemFail(field, typeof params[field] === 'string' ? 'too_long' : 'required'));
}
