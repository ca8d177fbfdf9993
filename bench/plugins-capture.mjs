// Writes a sourcing plugin's events into a SCAP capture (PPME_PLUGINEVENT_E), for
// bench/plugins-replay.sh:  node bench/plugins-capture.mjs LIB OPEN_PARAMS OUT.scap
import { loadPlugin } from '../dist/plugins/index.js';
import { writePluginCapture } from '../dist/replay/plugins/capture.js';

const [lib, params, out] = process.argv.slice(2);
const p = loadPlugin(lib, { batchSize: 4096 });
try {
  const n = await writePluginCapture(out, p, params);
  process.stderr.write(`${out}: ${n} plugin events\n`);
} finally {
  p.destroy();
}
