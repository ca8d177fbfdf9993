import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/replay/config/config.js';
import { FALCO_PLUGINS_DIR } from '../../src/replay/config/plugins.js';
import { isSourceCompatible, parsePluginArg, pluginSpecs, selectEventSources } from '../../src/replay/plugins/host.js';
import { InputError } from '../../src/errors.js';

const cfg = (text: string, overrides: string[] = []) => loadConfig({ configText: text, overrides, env: {} });

describe('plugins: / load_plugins: configuration', () => {
  const PLUGINS = `plugins:
  - name: k8saudit
    library_path: libk8saudit.so
    init_config:
      maxEventSize: 262144
      sslCertificate: /etc/falco/falco.pem
      useAsync: false
      ratio: 0.5
    open_params: "  http://:9765/k8s-audit  "
  - name: json
    library_path: /opt/plugins/libjson.so
    init_config: '{"a": 1}'
  - name: cloudtrail
    library_path: libcloudtrail.so
`;

  it('loads every plugins: entry when load_plugins is absent, in order', () => {
    const c = cfg(PLUGINS);
    expect(c.plugins.map((p) => p.name)).toEqual(['k8saudit', 'json', 'cloudtrail']);
  });

  it('converts a YAML init_config map to JSON with typed scalars, keeps a string verbatim, trims open_params', () => {
    const [k8s, json] = cfg(PLUGINS).plugins;
    expect(JSON.parse(k8s!.initConfig)).toEqual({ maxEventSize: 262144, sslCertificate: '/etc/falco/falco.pem', useAsync: false, ratio: 0.5 });
    expect(k8s!.openParams).toBe('http://:9765/k8s-audit');
    expect(json!.initConfig).toBe('{"a": 1}');
    expect(json!.openParams).toBe('');
  });

  it('resolves relative library paths in the Falco plugins directory, keeps absolute ones', () => {
    const [k8s, json] = cfg(PLUGINS).plugins;
    expect(k8s!.libraryPath).toBe(`${FALCO_PLUGINS_DIR}/libk8saudit.so`);
    expect(json!.libraryPath).toBe('/opt/plugins/libjson.so');
  });

  it('refuses a relative library path that leaves the plugins directory', () => {
    expect(() => cfg('plugins:\n  - name: x\n    library_path: ../../lib/libx.so\n')).toThrow(
      /<config>:3:19: plugin library_path '..\/..\/lib\/libx.so' resolves outside the plugins directory/,
    );
  });

  it('load_plugins selects and orders entries by name', () => {
    expect(cfg(PLUGINS + 'load_plugins: [cloudtrail, k8saudit]\n').plugins.map((p) => p.name)).toEqual(['cloudtrail', 'k8saudit']);
    expect(cfg(PLUGINS + 'load_plugins: []\n').plugins).toEqual([]);
  });

  it('load_plugins naming an unknown plugin is an error with its place (Falco text)', () => {
    expect(() => cfg(PLUGINS + 'load_plugins: [json, nope]\n')).toThrow("<config>:15:22: Cannot load plugin 'nope': plugin config not found for given name");
  });

  it('-o overrides apply to the plugin keys', () => {
    const c = cfg(PLUGINS, ['load_plugins[]=json', 'plugins[1].open_params=/tmp/x.json']);
    expect(c.plugins.map((p) => [p.name, p.openParams])).toEqual([['json', '/tmp/x.json']]);
  });

  it('bad entries are one-line errors naming the place', () => {
    expect(() => cfg('plugins:\n  - library_path: /x.so\n')).toThrow(/<config>:2:5: plugins\[0\]: missing 'name'/);
    expect(() => cfg('plugins:\n  - name: x\n')).toThrow(/<config>:2:5: plugins\[0\]: missing 'library_path'/);
    expect(() => cfg('plugins: 3\n')).toThrow(/plugins: expected a sequence/);
    expect(() => cfg('plugins:\n  - name: x\n    library_path: /x.so\n    init_config: [1]\n')).toThrow(/plugins\[0\].init_config: expected a map or a string/);
  });

  it('no plugins configured: an empty list', () => {
    expect(cfg('priority: debug\n').plugins).toEqual([]);
    expect(loadConfig({ env: {} }).plugins).toEqual([]);
  });
});

describe('--plugin PATH[:INIT_CONFIG]', () => {
  it('splits at the first colon and keeps the rest verbatim', () => {
    expect(parsePluginArg('/p/libx.so')).toMatchObject({ libraryPath: '/p/libx.so', initConfig: '' });
    expect(parsePluginArg('/p/libx.so:{"url":"http://a:1/b"}')).toMatchObject({ libraryPath: '/p/libx.so', initConfig: '{"url":"http://a:1/b"}' });
    expect(parsePluginArg('libx.so:')).toMatchObject({ libraryPath: 'libx.so', initConfig: '' });
  });

  it('an empty path is a usage error', () => {
    expect(() => parsePluginArg(':{}')).toThrow(InputError);
    expect(() => parsePluginArg(':{}')).toThrow('--plugin :{}: no library path (expected PATH[:INIT_CONFIG])');
  });

  it('configured plugins come first, then --plugin ones', () => {
    const c = cfg('plugins:\n  - name: a\n    library_path: /a.so\n    open_params: p\n');
    const specs = pluginSpecs(c.plugins, ['/b.so:cfg'], 'falco.yaml');
    expect(specs.map((s) => [s.name, s.libraryPath, s.initConfig, s.openParams])).toEqual([
      ['a', '/a.so', '', 'p'],
      ['', '/b.so', 'cfg', ''],
    ]);
    expect(specs[0]!.origin).toContain('falco.yaml');
  });
});

describe('source compatibility (libsinsp is_source_compatible)', () => {
  it('an empty list is compatible with every source', () => {
    expect(isSourceCompatible([], 'syscall')).toBe(true);
    expect(isSourceCompatible(['k8s_audit'], 'k8s_audit')).toBe(true);
    expect(isSourceCompatible(['k8s_audit'], 'syscall')).toBe(false);
  });
});

describe('--enable-source / --disable-source (Falco select_event_sources)', () => {
  const loaded = ['syscall', 'k8s_audit', 'aws_cloudtrail'];
  it('all loaded sources by default; only the enabled ones; all but the disabled ones', () => {
    expect([...selectEventSources(loaded, [], [])]).toEqual(loaded);
    expect([...selectEventSources(loaded, ['k8s_audit'], [])]).toEqual(['k8s_audit']);
    expect([...selectEventSources(loaded, [], ['syscall', 'k8s_audit'])]).toEqual(['aws_cloudtrail']);
  });
  it("errors in Falco's words", () => {
    expect(() => selectEventSources(loaded, ['k8s_audit'], ['syscall'])).toThrow('You can not mix --enable-source and --disable-source');
    expect(() => selectEventSources(loaded, ['okta'], [])).toThrow('Attempted enabling an unknown event source: okta');
    expect(() => selectEventSources(loaded, [], ['okta'])).toThrow('Attempted disabling an unknown event source: okta');
    expect(() => selectEventSources(['syscall'], [], ['syscall'])).toThrow('Must enable at least one event source');
  });
});
