import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/replay/config/config.js';
import { alertRenderer, sinksForConfig } from '../../../src/replay/output/emit.js';
import type { Alert } from '../../../src/replay/output/alert.js';

const dir = mkdtempSync(join(tmpdir(), 'fscap-emit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const alert: Alert = {
  time: 1700000000123456789n,
  rule: 'R',
  priority: 5,
  source: 'syscall',
  tags: ['t'],
  hostname: 'h',
  output: 'msg x=1',
  outputFields: { x: 1 },
};

describe('config-driven rendering and outputs', () => {
  it('renders text or JSON per json_output', () => {
    const text = alertRenderer(loadConfig({ env: { FALCO_HOSTNAME: 'h' } }), 0);
    expect(text(alert)).toBe('22:13:20.123456789: Notice msg x=1');
    const json = alertRenderer(
      loadConfig({ env: { FALCO_HOSTNAME: 'h' }, overrides: ['json_output=true', 'json_include_tags_property=false'] }),
      0,
    );
    expect(json(alert)).toBe(
      '{"hostname":"h","output":"22:13:20.123456789: Notice msg x=1","output_fields":{"evt.time":1700000000123456789,"x":1},' +
        '"priority":"Notice","rule":"R","source":"syscall","time":"2023-11-14T22:13:20.123456789Z"}',
    );
  });

  it('writes to file and stdout when both are enabled', async () => {
    const f = join(dir, 'events.txt');
    const cfg = loadConfig({ env: {}, overrides: ['file_output.enabled=true', `file_output.filename=${f}`] });
    const chunks: string[] = [];
    const stdout = new Writable({
      write(c: Buffer, _e, cb) {
        chunks.push(c.toString());
        cb();
      },
    });
    const sink = sinksForConfig(cfg, { stdout });
    expect(sink.sinks).toHaveLength(2);
    await sink.write('a');
    await sink.close();
    expect(readFileSync(f, 'utf8')).toBe('a\n');
    expect(chunks.join('')).toBe('a\n');
  });
});
