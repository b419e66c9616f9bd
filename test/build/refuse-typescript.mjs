// `node --import ./refuse-typescript.mjs bin/kopek.mjs …`: the process fails as soon as it
// would load a TypeScript file or tsx, so a test passes only on the compiled path.
import { register } from 'node:module';

const hook = `export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  if (/\\.[cm]?ts$/.test(new URL(resolved.url).pathname) || resolved.url.includes('/node_modules/tsx/'))
    throw new Error('kopek loaded ' + resolved.url + ': the shipped command must run compiled JavaScript only');
  return resolved;
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`);
