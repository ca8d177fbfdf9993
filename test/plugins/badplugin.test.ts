import { describe, expect, it } from 'vitest';
import { loadPlugin, type Plugin } from '../../src/plugins/plugin.js';
import { PluginError } from '../../src/plugins/errors.js';
import { encodePluginEvent } from '../../src/plugins/events.js';
import { pluginSetup, skipMessage } from './helpers.js';

const setup = pluginSetup();
if (!setup.ok) console.warn(skipMessage(setup));

function load(mode: string): Plugin {
  return loadPlugin(setup.bad.ok, mode);
}

/** Runs `f` and returns the PluginError it throws. */
function err(f: () => unknown): PluginError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(PluginError);
    return e as PluginError;
  }
  throw new Error('no error thrown');
}

const EVT = encodePluginEvent(998, new Uint8Array([1, 2, 3, 4]));
const ALL = [{ field: 'bad.str' }, { field: 'bad.num' }, { field: 'bad.ip' }, { field: 'bad.flag' }];

describe.skipIf(!setup.ok)('badplugin: load-time checks', () => {
  it.each([
    ['apiMajor', /required API version '4\.0\.0' is not compatible with the host's plugin API 3\.12\.0 \(major versions differ\)/],
    ['apiMinor', /required API version '3\.99\.0' is not compatible.*minor version is lower/],
    ['apiGarbage', /invalid required API version 'three'/],
    ['nullApi', /plugin_get_required_api_version returned NULL/],
    ['nullName', /plugin_get_name returned NULL/],
    ['badVersion', /plugin 'badplugin'.*invalid plugin version 'latest'/],
    ['halfSource', /plugin 'badplugin'.*inconsistent capabilities: event sourcing needs both plugin_get_id/],
    ['syscallSource', /the event source name 'syscall' is reserved/],
    ['badSchema', /plugin badplugin: get_init_schema returned invalid JSON/],
  ] as const)('%s', (mode, re) => {
    const e = err(() => loadPlugin(setup.bad[mode], ''));
    expect(e.message).toMatch(re);
    expect(e.message).toMatch(/badplugin|libbad-/); // names the plugin (by name, else by file)
  });

  it('a file that is not a plugin', () => {
    expect(err(() => loadPlugin('/etc/hostname')).message).toMatch(/cannot load plugin \/etc\/hostname/);
    expect(err(() => loadPlugin(setup.dir + '/nope.so')).message).toMatch(/cannot load plugin .*nope\.so/);
  });

  it('the valid build loads', () => {
    const p = load('');
    expect(p.info.capabilities).toEqual(['sourcing', 'extraction']);
    expect(p.info.id).toBe(998);
    expect(p.logs()[0]).toMatchObject({ component: 'badplugin', severity: 'warning' });
    expect(p.extractor(ALL).extract(EVT)).toEqual(['hello', 42, 0x0a000001, true]);
    p.destroy();
  });
});

describe.skipIf(!setup.ok)('badplugin: init', () => {
  it('init failure with the plugin error', () => {
    expect(err(() => load('init-fail')).message).toBe("plugin 'badplugin' (" + setup.bad.ok + '): init failed: init-fail requested by the config');
  });
  it('init failure without a state', () => {
    expect(err(() => load('init-fail-null')).message).toMatch(/init failed: \(no error message\)/);
  });
  it('init success with a NULL state', () => {
    expect(err(() => load('init-null-success')).message).toMatch(/init reported success but returned a NULL state/);
  });
});

describe.skipIf(!setup.ok)('badplugin: field lists', () => {
  it.each([
    ['fields-null', /plugin_get_fields returned NULL/],
    ['fields-invalid-json', /get_fields: invalid JSON/],
    ['fields-not-array', /get_fields: the JSON is not an array/],
    ['fields-empty', /must export at least one field/],
    ['fields-bad-type', /field bad\.str has an invalid type 'float'/],
    ['fields-type-number', /field bad\.str: type is not a string/],
    ['fields-no-name', /entry 0 has no name/],
    ['fields-no-desc', /field bad\.str has no desc/],
    ['fields-islist-string', /field bad\.str: isList is not a boolean/],
    ['fields-arg-no-kind', /arg\.isRequired is true but neither isIndex nor isKey/],
    ['fields-duplicate', /field bad\.str is declared twice/],
  ])('%s', (mode, re) => {
    const e = err(() => load(mode));
    expect(e.message).toMatch(re);
    expect(e.message).toMatch(/^plugin .*badplugin/);
    expect(e.plugin).toMatch(/badplugin/);
  });
});

describe.skipIf(!setup.ok)('badplugin: extraction', () => {
  it.each([
    ['extract-fail', /extract_fields failed on event 0 of the batch: extract-fail requested/],
    ['extract-null-str', /field bad\.str returned a NULL string \(event 0 of the batch\)/],
    ['extract-null-array', /field bad\.str set 1 values but a NULL result array/],
    ['extract-multi', /field bad\.str returned 3 values for a non-list field/],
    ['extract-bad-ip', /field bad\.ip returned an address of 7 bytes \(4 or 16 expected\)/],
  ])('%s', (mode, re) => {
    const p = load(mode);
    expect(err(() => p.extractor(ALL).extract(EVT)).message).toMatch(re);
    p.destroy();
  });

  it('malformed events are refused before reaching the plugin', () => {
    const p = load('');
    const bad = EVT.slice(0, 30);
    expect(() => p.extractor(ALL).extract(bad)).toThrow(/malformed event/);
    p.destroy();
  });
});

describe.skipIf(!setup.ok)('badplugin: sourcing', () => {
  it.each([
    ['open-fail', 'open', /open failed: open-fail requested/],
    ['open-null', 'open', /open reported success but returned a NULL instance/],
    ['batch-fail', 'batch', /next_batch failed: batch-fail requested/],
    ['batch-null-event', 'batch', /next_batch returned a NULL event at index 1/],
    ['batch-null-array', 'batch', /next_batch returned 2 events but a NULL array/],
    ['batch-bad-len', 'batch', /event with an invalid length 10/],
    ['batch-wrong-type', 'batch', /event of type 1, a plugin with an event source may only produce type 322/],
    ['batch-wrong-id', 'batch', /plugin ID 12345 instead of its own 998/],
    ['progress-overflow', 'progress', /get_progress returned 20000, more than 10000/],
  ])('%s', (mode, step, re) => {
    const p = load(mode);
    const e = err(() => {
      const c = p.open('x');
      if (step === 'batch') c.nextBatch();
      if (step === 'progress') c.progress();
    });
    expect(e.message).toMatch(re);
    expect(e.message).toMatch(/^plugin 'badplugin'/);
    p.destroy();
  });

  it('a good batch', () => {
    const p = load('');
    const c = p.open('');
    const b = c.nextBatch()!;
    expect(b.count).toBe(2);
    expect(b.progress).toEqual({ pct: 50 });
    expect([...b].map((e) => [e.pluginId, [...e.data]])).toEqual([
      [998, [97, 98, 99, 100]],
      [998, [97, 98, 99, 100]],
    ]);
    c.close();
    p.destroy();
  });
});

describe.skipIf(!setup.ok)('badplugin: other calls', () => {
  it('metrics with a NULL array', () => {
    const p = load('metrics-null');
    expect(err(() => p.metrics()).message).toMatch(/get_metrics returned NULL with a non-zero count/);
    p.destroy();
  });
  it('list_open_params failing or invalid', () => {
    let p = load('open-params-fail');
    expect(err(() => p.listOpenParams()).message).toMatch(/list_open_params failed: open-params-fail requested/);
    p.destroy();
    p = load('open-params-invalid');
    expect(err(() => p.listOpenParams()).message).toMatch(/list_open_params: entry 0 has no string "value"/);
    p.destroy();
  });
  it('set_config rejected; a NULL last error', () => {
    let p = load('');
    expect(err(() => p.setConfig('x')).message).toMatch(/set_config failed: set_config always fails here/);
    p.destroy();
    p = load('null-last-error');
    expect(err(() => p.setConfig('x')).message).toMatch(/set_config failed: \(no error message\)/);
    expect(p.lastError()).toBeUndefined();
    p.destroy();
  });
  it('capabilities the plugin lacks', () => {
    const p = load('');
    expect(() => p.parse(EVT)).toThrow(/no event parsing capability/);
    expect(() => p.setAsyncEvents(true)).toThrow(/no async events capability/);
    expect(p.metrics()).toEqual([]);
    p.destroy();
  });
});
