#!/usr/bin/env node
// Runs a command under `record` (library API from dist/) and prints one JSON line of stats.
// usage: node bench/record-cmd.mjs OUT [--snaplen N] [--compress none|gzip|zstd] [--core] [--ring BYTES] [--no-redundant-enter] -- CMD ARGS...
import { record } from '../dist/record/recorder.js';

const argv = process.argv.slice(2);
const dd = argv.indexOf('--');
if (dd < 1) {
  process.stderr.write('usage: record-cmd.mjs OUT [--snaplen N] [--compress C] [--core] -- CMD...\n');
  process.exit(2);
}
const opts = argv.slice(1, dd);
const get = (k) => {
  const i = opts.indexOf(k);
  return i >= 0 ? opts[i + 1] : undefined;
};
const t0 = process.hrtime.bigint();
const res = await record({
  out: argv[0],
  force: true,
  command: argv.slice(dd + 1),
  snaplen: get('--snaplen') ? Number(get('--snaplen')) : 80,
  compress: get('--compress') ?? 'none',
  events: opts.includes('--core') ? 'core' : 'all',
  ringBytes: get('--ring') ? Number(get('--ring')) : undefined,
  redundantEnter: !opts.includes('--no-redundant-enter'),
});
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
process.stdout.write(
  JSON.stringify({ ms, events: res.stats.eventsWritten, drops: res.stats.drops, bytes: res.stats.bytes, exit: res.commandExitCode }) + '\n',
);
