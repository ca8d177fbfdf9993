import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { FileSink, MultiSink, StreamSink } from '../../../src/replay/output/sinks.js';

const dir = mkdtempSync(join(tmpdir(), 'fscap-sinks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A slow writable with a tiny high-water mark, to exercise backpressure. */
function slowStream(): { stream: Writable; chunks: string[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    highWaterMark: 8,
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      setTimeout(cb, 1);
    },
  });
  return { stream, chunks };
}

describe('StreamSink', () => {
  it('unbuffered: writes each line and asks to wait under backpressure', async () => {
    const { stream, chunks } = slowStream();
    const sink = new StreamSink(stream, { buffered: false });
    let waited = 0;
    for (let i = 0; i < 5; i++) {
      const r = sink.write(`line ${i}`);
      if (r) {
        waited++;
        await r;
      }
    }
    await sink.close();
    expect(waited).toBeGreaterThan(0);
    expect(chunks.join('')).toBe('line 0\nline 1\nline 2\nline 3\nline 4\n');
    expect(chunks.filter((c) => c !== '').length).toBe(5);
  });

  it('buffered: holds lines until flush/close', async () => {
    const { stream, chunks } = slowStream();
    const sink = new StreamSink(stream, { buffered: true });
    sink.write('a');
    sink.write('b');
    expect(chunks.length).toBe(0);
    await sink.close();
    expect(chunks.join('')).toBe('a\nb\n');
    sink.write('ignored after close');
    expect(chunks.join('')).toBe('a\nb\n');
  });

  it('stops quietly on EPIPE', async () => {
    const stream = new Writable({
      write(_c, _e, cb) {
        const err = Object.assign(new Error('EPIPE'), { code: 'EPIPE' });
        cb(err);
      },
    });
    const sink = new StreamSink(stream, { buffered: false });
    await sink.write('x');
    await new Promise((r) => setTimeout(r, 5));
    sink.write('y');
    await sink.close();
    expect(sink.error).toBeUndefined();
  });
});

describe('FileSink', () => {
  it('appends, without keep_alive (reopen per alert)', async () => {
    const f = join(dir, 'a.txt');
    writeFileSync(f, 'old\n');
    const sink = new FileSink({ filename: f, keepAlive: false, buffered: false });
    sink.write('one');
    expect(readFileSync(f, 'utf8')).toBe('old\none\n');
    writeFileSync(f, ''); // rotated underneath us: next alert lands in the new file
    sink.write('two');
    await sink.close();
    expect(readFileSync(f, 'utf8')).toBe('two\n');
  });

  it('keep_alive + buffered writes on close', async () => {
    const f = join(dir, 'b.txt');
    const sink = new FileSink({ filename: f, keepAlive: true, buffered: true });
    sink.write('one');
    sink.write('two');
    await sink.close();
    expect(readFileSync(f, 'utf8')).toBe('one\ntwo\n');
  });

  it('reports an unopenable file as an input error', () => {
    const sink = new FileSink({ filename: join(dir, 'no/such/dir/x.txt'), keepAlive: false, buffered: false });
    expect(() => sink.write('x')).toThrow(/failed to open output file/);
  });
});

describe('MultiSink', () => {
  it('sends every line to every sink', async () => {
    const f = join(dir, 'm.txt');
    const { stream, chunks } = slowStream();
    const m = new MultiSink([new FileSink({ filename: f, keepAlive: true, buffered: false }), new StreamSink(stream, { buffered: false })]);
    for (const l of ['x', 'y']) await m.write(l);
    await m.close();
    expect(readFileSync(f, 'utf8')).toBe('x\ny\n');
    expect(chunks.join('')).toBe('x\ny\n');
  });
});
