import { describe, expect, it } from 'vitest';
import type { Alert } from '../../../src/replay/output/alert.js';
import { DEFAULT_JSON_ALERT_OPTIONS } from '../../../src/replay/output/alert.js';
import { formatTextAlert, alertPrefix } from '../../../src/replay/output/text.js';
import { formatJsonAlert } from '../../../src/replay/output/json.js';
import { formatEvtTime, formatEvtTimeIso8601, formatJsonTime } from '../../../src/replay/output/time.js';
import { encodeFalcoJson } from '../../../src/replay/output/jsonenc.js';

// 2023-11-14T22:13:20.123456789Z
const TS = 1700000000123456789n;

const alert: Alert = {
  time: TS,
  rule: 'Secret Account File Read',
  priority: 4,
  source: 'syscall',
  tags: ['fscap', 'credentials', 'filesystem', 'credentials'],
  hostname: 'node-1',
  output: 'Secret account file opened for reading (file=/etc/shadow process=cat uid=1000)',
  outputFields: { 'fd.name': '/etc/shadow', 'proc.name': 'cat', 'user.uid': 1000 },
};

describe('event time formats', () => {
  it('evt.time: HH:MM:SS.nnnnnnnnn with the local offset', () => {
    expect(formatEvtTime(TS, 0)).toBe('22:13:20.123456789');
    expect(formatEvtTime(TS, 3600)).toBe('23:13:20.123456789');
    expect(formatEvtTime(TS, 2 * 3600)).toBe('00:13:20.123456789');
    expect(formatEvtTime(TS, -23 * 3600)).toBe('23:13:20.123456789');
    expect(formatEvtTime(5n, 0)).toBe('00:00:00.000000005');
  });
  it('evt.time.iso8601: UTC with +0000', () => {
    expect(formatEvtTimeIso8601(TS)).toBe('2023-11-14T22:13:20.123456789+0000');
    expect(formatEvtTimeIso8601(0n)).toBe('1970-01-01T00:00:00.000000000+0000');
  });
  it('JSON time: UTC with Z', () => {
    expect(formatJsonTime(TS)).toBe('2023-11-14T22:13:20.123456789Z');
  });
});

describe('text alert line (formats.cpp OF_NORMAL)', () => {
  it('is "TIME: Priority message"', () => {
    expect(formatTextAlert(alert, { timeFormatIso8601: false, tzOffsetSeconds: 0 })).toBe(
      '22:13:20.123456789: Warning Secret account file opened for reading (file=/etc/shadow process=cat uid=1000)',
    );
  });
  it('uses the ISO prefix with time_format_iso_8601', () => {
    expect(formatTextAlert(alert, { timeFormatIso8601: true })).toBe(
      '2023-11-14T22:13:20.123456789+0000: Warning Secret account file opened for reading (file=/etc/shadow process=cat uid=1000)',
    );
  });
  it('prints every priority name in full', () => {
    const names = ['Emergency', 'Alert', 'Critical', 'Error', 'Warning', 'Notice', 'Informational', 'Debug'];
    for (let p = 0; p < 8; p++) {
      expect(alertPrefix({ time: TS, priority: p as Alert['priority'] }, { timeFormatIso8601: false, tzOffsetSeconds: 0 })).toBe(
        `22:13:20.123456789: ${names[p]}`,
      );
    }
  });
  it('JSON-escapes the line like nlohmann dump, without the quotes', () => {
    const a: Alert = { ...alert, output: 'cmd=echo "hi"\tthere\\x\n\u0001 é' };
    expect(formatTextAlert(a, { timeFormatIso8601: false, tzOffsetSeconds: 0 })).toBe(
      '22:13:20.123456789: Warning cmd=echo \\"hi\\"\\tthere\\\\x\\n\\u0001 é',
    );
  });
  it('replaces invalid UTF-16 (invalid UTF-8 in Falco) with U+FFFD', () => {
    const a: Alert = { ...alert, output: 'x\ud800y' };
    expect(formatTextAlert(a, { timeFormatIso8601: false, tzOffsetSeconds: 0 })).toBe('22:13:20.123456789: Warning x\ufffdy');
  });
});

describe('JSON alert (formats.cpp OF_JSON)', () => {
  const base = { ...DEFAULT_JSON_ALERT_OPTIONS, tzOffsetSeconds: 0 };
  it('has sorted keys, the output line, tags as a sorted set and output_fields with evt.time', () => {
    expect(formatJsonAlert(alert, base)).toBe(
      '{"hostname":"node-1",' +
        '"output":"22:13:20.123456789: Warning Secret account file opened for reading (file=/etc/shadow process=cat uid=1000)",' +
        '"output_fields":{"evt.time":1700000000123456789,"fd.name":"/etc/shadow","proc.name":"cat","user.uid":1000},' +
        '"priority":"Warning","rule":"Secret Account File Read","source":"syscall",' +
        '"tags":["credentials","filesystem","fscap"],' +
        '"time":"2023-11-14T22:13:20.123456789Z"}',
    );
  });
  it('honours the json_include_* switches', () => {
    const none = { ...base, includeOutput: false, includeTags: false, includeOutputFields: false, includeMessage: false };
    expect(formatJsonAlert(alert, none)).toBe(
      '{"hostname":"node-1","priority":"Warning","rule":"Secret Account File Read","source":"syscall","time":"2023-11-14T22:13:20.123456789Z"}',
    );
    const msg = { ...none, includeMessage: true };
    expect(formatJsonAlert(alert, msg)).toBe(
      '{"hostname":"node-1","message":"Secret account file opened for reading (file=/etc/shadow process=cat uid=1000)",' +
        '"priority":"Warning","rule":"Secret Account File Read","source":"syscall","time":"2023-11-14T22:13:20.123456789Z"}',
    );
    const tagsOnly = { ...none, includeTags: true };
    expect(formatJsonAlert({ ...alert, tags: [] }, tagsOnly)).toContain('"tags":[],');
  });
  it('uses evt.time.iso8601 as the prefix field and ISO output with time_format_iso_8601', () => {
    const iso = { ...base, timeFormatIso8601: true, includeTags: false };
    expect(formatJsonAlert(alert, iso)).toBe(
      '{"hostname":"node-1",' +
        '"output":"2023-11-14T22:13:20.123456789+0000: Warning Secret account file opened for reading (file=/etc/shadow process=cat uid=1000)",' +
        '"output_fields":{"evt.time.iso8601":1700000000123456789,"fd.name":"/etc/shadow","proc.name":"cat","user.uid":1000},' +
        '"priority":"Warning","rule":"Secret Account File Read","source":"syscall",' +
        '"time":"2023-11-14T22:13:20.123456789Z"}',
    );
  });
  it('adds extra fields after the prefix field, nulls for missing values', () => {
    const a: Alert = {
      ...alert,
      outputFields: { 'proc.name': null },
      extraFields: { home: '/root', 'evt.cpu': 3 },
    };
    expect(formatJsonAlert(a, { ...base, includeOutput: false, includeTags: false })).toBe(
      '{"hostname":"node-1","output_fields":{"evt.cpu":3,"evt.time":1700000000123456789,"home":"/root","proc.name":null},' +
        '"priority":"Warning","rule":"Secret Account File Read","source":"syscall","time":"2023-11-14T22:13:20.123456789Z"}',
    );
  });
  it('escapes the output once (not the text-mode escaping twice)', () => {
    const a: Alert = { ...alert, output: 'say "x"' };
    const line = formatJsonAlert(a, { ...base, includeTags: false, includeOutputFields: false });
    expect(line).toContain('"output":"22:13:20.123456789: Warning say \\"x\\""');
    expect(JSON.parse(line).output).toBe('22:13:20.123456789: Warning say "x"');
  });
});

describe('encodeFalcoJson', () => {
  it('sorts keys by bytes, keeps 64-bit integers exact, encodes arrays and nested objects', () => {
    expect(encodeFalcoJson({ b: 1, a: [true, null, 18446744073709551615n], B: { z: 'é', y: 1.5 } })).toBe(
      '{"B":{"y":1.5,"z":"é"},"a":[true,null,18446744073709551615],"b":1}',
    );
  });
});
