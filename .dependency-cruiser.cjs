/**
 * The layering of ARCHITECTURE.md, enforced (issue 16): src/ is built in floors, and a module may import only
 * from its own floor or the ones below; no import cycle; shipped code and scripts never import test helpers.
 * `npm run lint` (and CI) runs it: any violation fails the build.
 */
// Lowest first. A folder may import its own floor and every floor before it.
const FLOORS = [
  ['domain', 'types'],
  ['ledger', 'crypto', 'store'],
  ['core.ts'],
  ['authz', 'audit'],
  ['access'],
  // The exchange carries messages and knows no business: cases and evidence hand it what to send and give it
  // the handlers for what arrives.
  ['exchange'],
  ['auth', 'cases', 'settings'],
  ['evidence'],
  ['api'],
  ['node'],
  ['cli'],
];

const path = (names) => `^src/(${names.map((n) => n.replace('.', '\\.')).join('|')})(/|$)`;

const upward = FLOORS.slice(0, -1).map((floor, i) => ({
  name: `no-upward-from-${floor.join('-').replace('.ts', '')}`,
  comment: `${floor.join(', ')} may import only floors ${FLOORS.slice(0, i + 1).flat().join(', ')}`,
  severity: 'error',
  from: { path: path(floor) },
  to: { path: path(FLOORS.slice(i + 1).flat()) },
}));

module.exports = {
  forbidden: [
    ...upward,
    {
      name: 'no-circular',
      comment: 'An import cycle means two modules are one; merge them or move what both need down a floor.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-src-to-test',
      comment: 'Shipped code never imports test helpers.',
      severity: 'error',
      from: { path: '^(src|scripts)/' },
      to: { path: '^test/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    exclude: { path: '(^web/|/dist/)' },
  },
};
