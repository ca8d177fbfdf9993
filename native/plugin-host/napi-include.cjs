// Prints the include directory of node-addon-api for binding.gyp. Looks for the package
// as a direct dependency first, then for a copy nested under another dependency.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const tried = [];
try {
  tried.push(path.dirname(require.resolve('node-addon-api/package.json', { paths: [root] })));
} catch {
  /* not a direct dependency */
}
const nodeModules = path.join(root, 'node_modules');
let entries = [];
try {
  entries = fs.readdirSync(nodeModules);
} catch {
  /* no node_modules */
}
for (const e of entries) {
  const pkgs = e.startsWith('@') ? fs.readdirSync(path.join(nodeModules, e)).map((s) => path.join(e, s)) : [e];
  for (const p of pkgs) tried.push(path.join(nodeModules, p, 'node_modules', 'node-addon-api'));
}
const found = tried.find((d) => fs.existsSync(path.join(d, 'napi.h')));
if (!found) {
  process.stderr.write('node-addon-api headers not found (npm install node-addon-api)\n');
  process.exit(1);
}
process.stdout.write(found);
