// The architecture's boundaries as rules (WORKING.md: route -> service -> repository; points call executors only
// through invoke; the sandbox knows nothing of HTTP or the store). `npm run lint` runs them; so does `npx depcruise src`.
// test/architecture/boundaries.test.ts proves that each rule fires on a violating tree and that src/ passes.

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'no-folder-cycles',
      comment: 'Top-level folders of src/ depend on each other one way only; a cycle means a concern sits in the wrong folder.',
      severity: 'error',
      scope: 'folder',
      from: { path: '^src/.+' },
      to: { path: '^src/.+', circular: true },
    },
    {
      name: 'repository-private',
      comment: "A feature's repository and row types are private to its folder: other features go through its service.",
      severity: 'error',
      from: { path: '^src/(.+)/[^/]+$' },
      to: { path: '[.](repository|table)[.]ts$', pathNot: '^src/$1/[^/]+$' },
    },
    {
      name: 'routes-call-services',
      comment: 'A route parses, authorises and answers; data and runtimes are reached through a service.',
      severity: 'error',
      from: { path: '[.]routes[.]ts$' },
      to: { path: ['[.](repository|table)[.]ts$', '^src/store/', '^src/executors/sandbox/', '^src/executors/code-runtime[.]ts$'] },
    },
    {
      name: 'routes-own-service',
      comment: "A route imports its own feature's service (the composition root hands it others' through its options).",
      severity: 'error',
      from: { path: '^src/(.+)/[^/]+[.]routes[.]ts$' },
      to: { path: '[.]service[.]ts$', pathNot: '^src/$1/[^/]+[.]service[.]ts$' },
    },
    {
      name: 'points-through-invoke',
      comment: 'Integration points reach executors only through the invoke service (and the run context types it takes); ' +
        'the binding kit also holds the executor a binding names inside its write (executor-references.ts).',
      severity: 'error',
      from: { path: '^src/points/' },
      to: { path: '^src/executors/', pathNot: ['^src/executors/(invoke[.]service|run-context)[.]ts$', '^src/executors/executor-references[.]ts$'] },
    },
    {
      name: 'executor-references-only-in-the-kit',
      comment: 'Within the points, only the binding kit holds executors; each point goes through it.',
      severity: 'error',
      from: { path: '^src/points/', pathNot: '^src/points/bindings/binding-store[.]ts$' },
      to: { path: '^src/executors/executor-references[.]ts$' },
    },
    {
      name: 'sandbox-isolated',
      comment: 'The sandbox runs code; it knows nothing of HTTP, Fastify, the store, the API or the features above it.',
      severity: 'error',
      from: { path: '^src/executors/sandbox/' },
      to: {
        path: [
          '^src/(api|auth|store|events|host|points|secrets|storage|workspaces|cli|demo)/',
          '^src/(app|server)[.]ts$',
          '^src/executors/[^/]+[.]ts$',
          '(^|/)node_modules/(fastify|@fastify/[^/]+|fastify-plugin|kysely|pg|pg-pool|better-sqlite3)/',
          // the same packages when they cannot be resolved (the rule holds before npm install too)
          '^(fastify|@fastify/[^/]+|fastify-plugin|kysely|pg|pg-pool|better-sqlite3)$',
        ],
      },
    },
    {
      name: 'no-module-cycles',
      comment: 'Modules do not import each other in a circle (type-only imports included: they hide the same tangle).',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports are dependencies too: a route that imports a repository's row type still couples to it.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
