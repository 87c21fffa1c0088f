// The layer rules of docs/architecture.md, checked on every `npm run typecheck`. Type-only imports count: a type
// cycle is still two modules that cannot be understood apart.
/** Each layer and what it may import besides itself. */
const layers = {
  core: [],
  contract: ['core'],
  db: ['core', 'config'],
  email: ['core', 'config'],
  tracking: ['core', 'db', 'config'],
  app: ['core', 'contract', 'db', 'email', 'config'],
  generate: ['core', 'db', 'app', 'config'],
  jobs: ['core', 'db', 'app', 'tracking', 'email', 'config'],
  http: ['core', 'contract', 'db', 'email', 'app', 'tracking', 'jobs', 'config'],
};

const layerRules = Object.entries(layers).map(([layer, allowed]) => ({
  name: `${layer}-imports-only-${allowed.length ? allowed.join('-') : 'itself'}`,
  comment: `src/${layer} may import ${allowed.length ? allowed.join(', ') : 'nothing of ours but itself'} (docs/architecture.md)`,
  severity: 'error',
  from: { path: `^src/${layer}/` },
  to: {
    path: '^src/',
    pathNot: [`^src/${layer}/`, ...allowed.map((l) => (l === 'config' ? '^src/config\\.ts$' : `^src/${l}/`))],
  },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'Modules that import each other (type-only imports included) cannot be read, tested or moved apart.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...layerRules,
    {
      name: 'config-imports-nothing-of-ours',
      severity: 'error',
      from: { path: '^src/config\\.ts$' },
      to: { path: '^src/', pathNot: '^src/config\\.ts$' },
    },
    {
      name: 'nothing-imports-the-cli',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'web-imports-only-the-contract-types-and-pure-core',
      comment: 'The browser apps share the API contract as types, and pure rules of src/core; nothing that does I/O.',
      severity: 'error',
      from: { path: '^web/' },
      to: { path: '^src/', pathNot: ['^src/contract/', '^src/core/'] },
    },
    {
      name: 'web-imports-the-contract-as-types-only',
      severity: 'error',
      from: { path: '^web/' },
      to: { path: '^src/contract/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'src-never-imports-tests-or-web',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|web|bench)/' },
    },
    {
      name: 'no-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|node_modules|test-results)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.tsx', '.js'],
    },
  },
};
