#!/usr/bin/env node
// The state engine alone (HostState.applyEvent), without file reading and rules: the
// capture is read into memory once, its event blocks are framed, then each pass replays
// every event into a fresh HostState. Prints the process CPU time (user + system, so JIT
// compilation on background threads counts) per pass and per event, for the first pass (what
// one replay pays, JIT warm-up included) and the following ones (warm code), after
// subtracting the cost of framing the events alone.
//   npm run build && node bench/replay-state.mjs /tmp/bench/bench-5m.scap [passes, default 4]
// Uncompressed captures whose events are all EV_V2 blocks (the amplified benchmark files).
import { readFileSync } from 'node:fs';

const [file, passesArg] = process.argv.slice(2);
if (file === undefined) {
  process.stderr.write('usage: node bench/replay-state.mjs CAPTURE.scap [passes]\n');
  process.exit(2);
}
const passes = Math.max(1, Number(passesArg ?? 4));
const dist = new URL('../dist/', import.meta.url);
const { EventView } = await import(new URL('scap/event.js', dist).href);
const { EVENT_FRAMING } = await import(new URL('scap/event-table.js', dist).href);
const { BlockType, eventBlockLayout } = await import(new URL('scap/block-types.js', dist).href);
const { HostState } = await import(new URL('replay/state/index.js', dist).href);

const buf = readFileSync(file);
if (buf.length < 8 || buf.readUInt32LE(0) !== 0x0a0d0d0a || buf.readUInt32LE(8) !== 0x1a2b3c4d) {
  process.stderr.write(`${file}: offset 0: not an uncompressed little-endian pcap-ng capture\n`);
  process.exit(2);
}
const events = [];
const blocks = [];
const section = { littleEndian: true };
for (let off = 0; off + 8 <= buf.length; ) {
  const type = buf.readUInt32LE(off);
  const len = buf.readUInt32LE(off + 4);
  if (len < 12 || off + len > buf.length) {
    process.stderr.write(`${file}: offset ${off}: bad block length ${len}\n`);
    process.exit(2);
  }
  if (type === BlockType.EV_V2) events.push(off, len);
  else if (eventBlockLayout(type) !== undefined) {
    process.stderr.write(`${file}: offset ${off}: event block type 0x${type.toString(16)} (only EV_V2 is framed here)\n`);
    process.exit(2);
  } else if (type !== BlockType.SHB) blocks.push({ type, buf, start: off, length: len, offset: off, section });
  off += len;
}
const offs = Int32Array.from(events);
const n = offs.length / 2;
const layout = eventBlockLayout(BlockType.EV_V2);
const view = new EventView();
const cpuMs = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

const frame = [];
const state = [];
for (let p = 0; p < passes; p++) {
  let t = cpuMs();
  for (let i = 0; i < offs.length; i += 2) view.load(buf, offs[i], offs[i + 1], layout, true, offs[i], EVENT_FRAMING);
  frame.push(cpuMs() - t);
  const st = new HostState();
  for (const b of blocks) st.applyRawBlock(b);
  t = cpuMs();
  for (let i = 0; i < offs.length; i += 2) {
    view.load(buf, offs[i], offs[i + 1], layout, true, offs[i], EVENT_FRAMING);
    st.applyEvent(view);
  }
  state.push(cpuMs() - t - frame[p]);
}
const ns = (ms) => ((ms / n) * 1e6).toFixed(1);
const later = state.slice(1).sort((a, b) => a - b);
console.log(`${n} events, ${blocks.length} state blocks; framing alone ${Math.min(...frame).toFixed(0)} ms a pass`);
console.log(`state, first pass: ${state[0].toFixed(0)} ms (${ns(state[0])} ns/event)`);
if (later.length > 0) {
  const mid = later.length >> 1;
  const med = later.length % 2 === 1 ? later[mid] : (later[mid - 1] + later[mid]) / 2;
  console.log(`state, later passes: median ${med.toFixed(0)} ms (${ns(med)} ns/event), min ${later[0].toFixed(0)} ms`);
}
