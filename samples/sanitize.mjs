#!/usr/bin/env node
// Rewrites a capture recorded on a development host so that it can be published: the
// process list keeps only the processes the capture's events involve (and init), with
// their environment reduced to a fixed minimal one; fd tables of dropped processes go.
//   node samples/sanitize.mjs IN OUT
import { ScapReader } from '../dist/scap/reader.js';
import { ScapWriter } from '../dist/scap/writer.js';
import { decodeStateBlock, encodeStateBlock } from '../dist/scap/blocks/index.js';

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: node samples/sanitize.mjs IN OUT');
  process.exit(2);
}
const SAFE_ENV = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOME=/root', 'LANG=C.UTF-8'];

// Pass 1: which threads do the events involve?
const tids = new Set([1]);
{
  const r = await ScapReader.open(input);
  await r.read({ onEvent: (ev) => tids.add(ev.tid) });
  await r.close();
}
// Pass 2: rewrite.
const r = await ScapReader.open(input);
const w = await ScapWriter.create(output, { compression: 'gzip', force: true });
const pids = new Set();
w.writeSectionHeader();
await r.read({
  onBlock(b) {
    const d = decodeStateBlock(b.type, b.buf, b.start, b.length, b.section.littleEndian);
    if (!d) return;
    if (d.kind === 'proclist') {
      d.threads = d.threads.filter((t) => tids.has(t.tid) || tids.has(t.pid));
      for (const t of d.threads) {
        pids.add(t.pid);
        t.env = SAFE_ENV;
      }
    }
    if (d.kind === 'fdlist' && !pids.has(d.table.tid) && !tids.has(d.table.tid)) return;
    const { type, body } = encodeStateBlock(d);
    w.writeStateBlock(type, body);
  },
  onEvent(ev) {
    w.writeEvent(ev);
  },
});
await w.close();
await r.close();
console.error(`${output}: kept ${pids.size} processes of the process list`);
