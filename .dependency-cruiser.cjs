/**
 * Which way imports may point under src/ (`npm run lint` runs this). The layers, bottom up:
 * src/shared/call (a call, its outcome, events and target) → the rest of src/shared → gateway, worker,
 * client (which never import each other) → cli.ts and index.ts.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-folder-cycles',
      comment: 'Folders import one way: a cycle between folders means a type or helper sits on the wrong floor.',
      severity: 'error',
      scope: 'folder',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-file-cycles',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'gateway-and-worker-apart',
      comment: 'The gateway and the workers are separate processes: they share only src/shared.',
      severity: 'error',
      from: { path: '^src/(gateway|worker)/' },
      to: { path: '^src/(gateway|worker|client)/', pathNot: '^src/$1/' },
    },
    {
      name: 'client-stands-alone',
      severity: 'error',
      from: { path: '^src/client/' },
      to: { path: '^src/(gateway|worker)/' },
    },
    {
      name: 'shared-is-below-the-processes',
      severity: 'error',
      from: { path: '^src/shared/' },
      to: { path: '^src/(gateway|worker|client|cli\\.ts|index\\.ts)' },
    },
    {
      name: 'call-is-the-ground-floor',
      comment: 'src/shared/call is what every layer passes around: it imports only the leaf modules beside src/shared.',
      severity: 'error',
      from: { path: '^src/shared/call/' },
      to: { path: '^src/', pathNot: ['^src/shared/call/', '^src/shared/[^/]+\\.ts$'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.mts', '.js', '.mjs'] },
  },
};
