/**
 * Kopek's import rules, checked in CI (`npm run depcheck`, `.ci/run`).
 *
 * Layers, each importing only downward (a layer may import any layer below it):
 *
 *   cli
 *   web
 *   runtime.ts        the composition root: builds the engine, the dialects, the delivery
 *                     workers from the config; only web and cli start it
 *   delivery, dialects (dialects/kit is shared by the dialects)
 *   engine
 *   store, acquiring, security, config.ts
 *   domain            pure rules; imports nothing of ours
 *
 * Beside the layers:
 * - log.ts is a leaf (pino only): any layer may import it.
 * - config.ts reads and validates the environment (domain limits, the vault's keyring
 *   format), so it sits with store: the engine never reads it (its settings come in
 *   EngineDeps), everything above the engine may.
 * - Inside the store tier: security and acquiring import domain; acquiring may use security
 *   (card data in a Secret); store may use both (the simulator's state is kept in the database).
 * - Inside the engine: a use case (any file of an aggregate folder other than its `store.ts`,
 *   `view.ts`, `*-store.ts`, `*-view.ts`, `ops.ts`, `*-ops.ts` and outbox/notify.ts) is imported
 *   by engine.ts only; stores, views and ops (the bank operations several use cases share)
 *   never import a use case.
 */
const below = {
  domain: '^src/domain/',
  lower: '^src/(domain|security|acquiring|store)/|^src/(config|log)\\.ts$',
};

/** The files of an aggregate folder that are no use case: see the header. */
const notUseCase = ['[/-](store|view|ops)\\.ts$', '^src/engine/outbox/notify\\.ts$'];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'A cycle makes the load order (and every refactoring) fragile; one of the modules is in the wrong place.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment: 'domain/ holds the rules alone: it imports nothing else of ours.',
      from: { path: '^src/domain/' },
      to: { path: '^src/', pathNot: below.domain },
    },
    {
      name: 'security-imports-domain-only',
      severity: 'error',
      from: { path: '^src/security/' },
      to: { path: '^src/', pathNot: '^src/(domain|security)/|^src/log\\.ts$' },
    },
    {
      name: 'acquiring-below-the-engine',
      severity: 'error',
      from: { path: '^src/acquiring/' },
      to: { path: '^src/', pathNot: '^src/(domain|security|acquiring)/|^src/log\\.ts$' },
    },
    {
      name: 'store-below-the-engine',
      severity: 'error',
      from: { path: '^src/store/|^src/config\\.ts$' },
      to: { path: '^src/', pathNot: below.lower },
    },
    {
      name: 'engine-below-delivery-and-dialects',
      severity: 'error',
      comment: 'The engine knows no wire format, no worker, no page, and no configuration file.',
      from: { path: '^src/engine/' },
      to: { path: '^src/', pathNot: '^src/(domain|security|acquiring|store|engine)/|^src/log\\.ts$' },
    },
    {
      name: 'delivery-and-dialects-below-runtime',
      severity: 'error',
      comment:
        'Dialects and delivery handlers get what they need from their host; runtime.ts assembles them.',
      from: { path: '^src/(delivery|dialects)/' },
      to: { path: '^src/(web|cli)/|^src/runtime\\.ts$' },
    },
    {
      name: 'runtime-below-web',
      severity: 'error',
      from: { path: '^src/runtime\\.ts$' },
      to: { path: '^src/(web|cli)/' },
    },
    {
      name: 'web-below-cli',
      severity: 'error',
      from: { path: '^src/web/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'no-dialect-imports-another',
      severity: 'error',
      comment:
        'A dialect is written on the contract (dialects/dialect.ts) and the shared kit (dialects/kit), never on another dialect.',
      from: { path: '^src/dialects/([^/]+)/' },
      to: {
        path: '^src/dialects/',
        pathNot: ['^src/dialects/$1/', '^src/dialects/kit/', '^src/dialects/dialect\\.ts$'],
      },
    },
    {
      name: 'no-use-case-imports-a-use-case',
      severity: 'error',
      comment:
        'Use cases share stores, views and ops, never each other; createEngine (engine.ts) binds them all.',
      from: { path: '^src/engine/', pathNot: '^src/engine/engine\\.ts$' },
      to: { path: '^src/engine/[^/]+/', pathNot: notUseCase },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // `import type` counts: a type-only cycle is still a cycle between the modules' ideas
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.json'] },
  },
};
