// Prints node-addon-api's include directory for binding.gyp: the project's own
// dependency when present, else a copy nested under another package.
const path = require('node:path');
const fs = require('node:fs');
const root = path.resolve(__dirname, '..');
const candidates = [];
try {
  candidates.push(require(require.resolve('node-addon-api', { paths: [root, __dirname] })).include_dir);
} catch {}
const nm = path.join(root, 'node_modules');
try {
  for (const d of fs.readdirSync(nm)) {
    const scoped = d.startsWith('@') ? fs.readdirSync(path.join(nm, d)).map((x) => path.join(d, x)) : [d];
    for (const s of scoped) candidates.push(path.join(nm, s, 'node_modules', 'node-addon-api'));
  }
} catch {}
for (const c of candidates) {
  const dir = c.replace(/^"|"$/g, '');
  if (fs.existsSync(path.join(dir, 'napi.h'))) {
    process.stdout.write(dir);
    process.exit(0);
  }
}
process.stderr.write('node-addon-api not found (add it to dependencies)\n');
process.exit(1);
