import { describe, expect, it } from 'vitest';
import { InputError, SourceError } from '../../../src/errors.js';
import { expandEnvVars, loadConfig, yamlBool } from '../../../src/replay/config/config.js';
import { parseKeyPath, parseOverride } from '../../../src/replay/config/tree.js';

const env = { FALCO_HOSTNAME: 'replay-host', HOME: '/root' };

function fails(f: () => unknown): InputError {
  try {
    f();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected an error');
}

describe('defaults', () => {
  it("match falco.yaml's shipped values", () => {
    const c = loadConfig({ env });
    expect(c).toMatchObject({
      configFile: undefined,
      rulesFiles: ['/etc/falco/falco_rules.yaml', '/etc/falco/falco_rules.local.yaml', '/etc/falco/rules.d'],
      rules: [],
      priority: 7,
      ruleMatching: 'first',
      jsonOutput: false,
      jsonIncludeOutputProperty: true,
      jsonIncludeTagsProperty: true,
      jsonIncludeMessageProperty: false,
      jsonIncludeOutputFieldsProperty: true,
      timeFormatIso8601: false,
      bufferedOutputs: false,
      stdoutOutput: { enabled: true },
      fileOutput: { enabled: false, keepAlive: false, filename: '' },
      hostname: 'replay-host',
    });
    expect(c.appendOutput).toHaveLength(1);
    expect(c.appendOutput[0]).toMatchObject({ suggestedOutput: true, source: '', rule: '', tags: [], extraOutput: '' });
  });
  it('hostname falls back to the machine name', () => {
    expect(loadConfig({ env: {} }).hostname.length).toBeGreaterThan(0);
  });
});

describe('config file', () => {
  const text = `# replay config
rules_files:
  - ./rules/a.yaml
priority: warning
rule_matching: ALL
json_output: yes
json_include_message_property: true
time_format_iso_8601: true
buffered_outputs: true
rules:
  - disable:
      rule: "Shell*"
  - enable:
      tag: fscap
append_output:
  - match:
      source: syscall
      tags: [b, a]
    extra_output: "on CPU %evt.cpu"
    extra_fields:
      - home_directory: "\${HOME}"
      - evt.hostname
file_output:
  enabled: true
  keep_alive: true
  filename: /tmp/out-\${NOPE}x.txt
`;
  it('reads the subset of keys', () => {
    const c = loadConfig({ configFile: 'falco.yaml', configText: text, env });
    expect(c.rulesFiles).toEqual(['./rules/a.yaml']);
    expect(c.priority).toBe(4);
    expect(c.ruleMatching).toBe('all');
    expect(c.jsonOutput).toBe(true);
    expect(c.jsonIncludeMessageProperty).toBe(true);
    expect(c.timeFormatIso8601).toBe(true);
    expect(c.bufferedOutputs).toBe(true);
    expect(c.rules).toEqual([
      { op: 'disable', rule: 'Shell*', tag: '' },
      { op: 'enable', rule: '', tag: 'fscap' },
    ]);
    expect(c.appendOutput).toHaveLength(1);
    const ao = c.appendOutput[0]!;
    expect(ao.source).toBe('syscall');
    expect(ao.tags).toEqual(['a', 'b']);
    expect(ao.extraOutput).toBe('on CPU %evt.cpu');
    expect([...ao.formattedFields]).toEqual([['home_directory', '/root']]);
    expect(ao.rawFields).toEqual(['evt.hostname']);
    expect(ao.suggestedOutput).toBe(false);
    expect(c.fileOutput).toEqual({ enabled: true, keepAlive: true, filename: '/tmp/out-x.txt' });
    // keys absent from the file keep the defaults
    expect(c.stdoutOutput.enabled).toBe(true);
    expect(c.jsonIncludeTagsProperty).toBe(true);
  });

  it('reads keep_alive as Falco does (string compared with "true")', () => {
    const c = loadConfig({ configText: 'file_output: {enabled: true, filename: x, keep_alive: True}', env });
    expect(c.fileOutput.keepAlive).toBe(false);
  });

  it('accepts a scalar rules_files and the deprecated rules_file', () => {
    expect(loadConfig({ configText: 'rules_files: /r.yaml', env }).rulesFiles).toEqual(['/r.yaml']);
    expect(loadConfig({ configText: 'rules_file: [/a.yaml, /b.yaml]', env }).rulesFiles).toEqual(['/a.yaml', '/b.yaml']);
  });

  it('empty file = defaults', () => {
    expect(loadConfig({ configFile: 'empty.yaml', configText: '', env }).priority).toBe(7);
  });
});

describe('config errors carry file:line:column', () => {
  it('unknown priority', () => {
    const e = fails(() => loadConfig({ configFile: 'f.yaml', configText: 'json_output: false\npriority: loud\n', env }));
    expect(e).toBeInstanceOf(SourceError);
    expect(e.message).toBe(
      'f.yaml:2:11: Unknown priority "loud"--must be one of emergency, alert, critical, error, warning, notice, informational, debug',
    );
  });
  it('priority aliases: only info', () => {
    expect(loadConfig({ configText: 'priority: INFO', env }).priority).toBe(6);
    expect(() => loadConfig({ configText: 'priority: warn', env })).toThrow(/Unknown priority "warn"/);
  });
  it('bad boolean', () => {
    const e = fails(() => loadConfig({ configFile: 'f.yaml', configText: 'json_output: maybe\n', env }));
    expect(e.message).toBe("f.yaml:1:14: json_output: expected a boolean (true/false), found 'maybe'");
  });
  it('bad rule matching', () => {
    expect(fails(() => loadConfig({ configFile: 'f.yaml', configText: '\nrule_matching: some', env })).message).toBe(
      'f.yaml:2:16: Unknown rule matching strategy "some"--must be one of first, all',
    );
  });
  it('bad rules entries', () => {
    expect(fails(() => loadConfig({ configFile: 'f.yaml', configText: 'rules:\n  - disable: {}\n', env })).message).toBe(
      "f.yaml:2:14: rules[0].disable: expected a 'rule' or a 'tag'",
    );
    expect(fails(() => loadConfig({ configFile: 'f.yaml', configText: 'rules:\n  - other: 1\n', env })).message).toBe(
      "f.yaml:2:5: rules[0]: expected 'enable' or 'disable'",
    );
  });
  it('file output without filename', () => {
    expect(fails(() => loadConfig({ configFile: 'f.yaml', configText: 'file_output:\n  enabled: true\n', env })).message).toBe(
      'f.yaml:2:3: file output enabled but no filename in configuration block',
    );
  });
  it('both rules_files and rules_file', () => {
    expect(fails(() => loadConfig({ configFile: 'f.yaml', configText: 'rules_files: [a]\nrules_file: [b]\n', env })).message).toBe(
      "f.yaml:2:13: both 'rules_files' and 'rules_file' keys set",
    );
  });
  it('YAML syntax errors', () => {
    const e = fails(() => loadConfig({ configFile: 'f.yaml', configText: 'a: [1, 2\nb: 3\n', env }));
    expect(e).toBeInstanceOf(SourceError);
    expect(e.message).toMatch(/^f\.yaml:\d+:\d+: /);
  });
  it('a config that is not a map', () => {
    expect(fails(() => loadConfig({ configFile: 'f.yaml', configText: '- a\n- b\n', env })).message).toBe(
      'f.yaml:1:1: the configuration must be a YAML map, found a sequence',
    );
  });
  it('duplicate extra field', () => {
    const t = 'append_output:\n  - extra_fields:\n      - a: "%proc.name"\n      - a\n';
    expect(fails(() => loadConfig({ configFile: 'f.yaml', configText: t, env })).message).toBe(
      "f.yaml:4:9: append_output[0].extra_fields[1]: field 'a' is defined twice",
    );
  });
  it('unreadable file', () => {
    expect(() => loadConfig({ configFile: '/no/such/falco.yaml', env })).toThrow(InputError);
  });
});

describe('-o overrides', () => {
  it('set scalars typed on read, in order', () => {
    const c = loadConfig({ env, overrides: ['json_output=true', 'priority=error', 'json_output=false', 'time_format_iso_8601=on'] });
    expect(c.jsonOutput).toBe(false);
    expect(c.priority).toBe(3);
    expect(c.timeFormatIso8601).toBe(true);
  });
  it('set nested keys and override the file', () => {
    const c = loadConfig({
      configText: 'file_output:\n  enabled: true\n  filename: a.txt\n',
      env,
      overrides: ['file_output.filename=b.txt', 'stdout_output.enabled=false', 'file_output.keep_alive=true'],
    });
    expect(c.fileOutput).toEqual({ enabled: true, keepAlive: true, filename: 'b.txt' });
    expect(c.stdoutOutput.enabled).toBe(false);
  });
  it('append with [] and replace with [N]', () => {
    const c = loadConfig({ env, overrides: ['rules_files[]=/x.yaml', 'rules_files[0]=/first.yaml'] });
    expect(c.rulesFiles).toEqual(['/first.yaml', '/etc/falco/falco_rules.local.yaml', '/etc/falco/rules.d', '/x.yaml']);
    const d = loadConfig({ env, overrides: ['rules_files=/only.yaml'] });
    expect(d.rulesFiles).toEqual(['/only.yaml']);
  });
  it('take {...} values as YAML objects', () => {
    const c = loadConfig({
      env,
      overrides: ['append_output[]={match: {rule: R1}, extra_output: "pid=%proc.pid"}', 'rules[]={disable: {tag: noisy}}'],
    });
    expect(c.appendOutput).toHaveLength(2);
    expect(c.appendOutput[1]).toMatchObject({ rule: 'R1', extraOutput: 'pid=%proc.pid', suggestedOutput: false });
    expect(c.rules).toEqual([{ op: 'disable', rule: '', tag: 'noisy' }]);
  });
  it('keep [..] values as plain strings (only {..} is YAML)', () => {
    const c = loadConfig({ env, overrides: ['rules_files=[a,b]'] });
    expect(c.rulesFiles).toEqual(['[a,b]']);
  });
  it('split at the first =', () => {
    const c = loadConfig({ env, overrides: ['append_output[0].extra_output=a=b'] });
    expect(c.appendOutput[0]!.extraOutput).toBe('a=b');
  });
  it('report bad options with the option text', () => {
    expect(fails(() => loadConfig({ env, overrides: ['json_output'] })).message).toBe(
      'Error parsing config option "json_output". Must be of the form key=val or key.subkey=val',
    );
    expect(fails(() => loadConfig({ env, overrides: ['json_output=perhaps'] })).message).toBe(
      "-o json_output=perhaps: json_output: expected a boolean (true/false), found 'perhaps'",
    );
    expect(fails(() => loadConfig({ env, overrides: ['priority=loud'] })).message).toMatch(/^-o priority=loud: Unknown priority "loud"/);
    expect(fails(() => loadConfig({ env, overrides: ['priority.x=1'] })).message).toBe(
      "-o priority.x=1: cannot set key 'x' inside a scalar",
    );
    expect(fails(() => loadConfig({ env, overrides: ['rules_files[7]=x'] })).message).toBe(
      '-o rules_files[7]=x: index 7 is out of range (the sequence has 3 items)',
    );
    expect(fails(() => loadConfig({ env, overrides: ['x={a: [1}'] })).message).toMatch(/^-o x=\{a: \[1\}: invalid YAML value/);
  });
  it('an empty value for a boolean is an error, for a string is empty', () => {
    expect(() => loadConfig({ env, overrides: ['json_output='] })).toThrow(/expected a boolean/);
    expect(loadConfig({ env, overrides: ['file_output.filename='] }).fileOutput.filename).toBe('');
  });
});

describe('key paths (yaml_helper get_node syntax)', () => {
  it('parses dots, indexes, appends and escapes', () => {
    expect(parseKeyPath('a.b.c')).toEqual([{ key: 'a' }, { key: 'b' }, { key: 'c' }]);
    expect(parseKeyPath('list[3].sub')).toEqual([{ key: 'list' }, { index: 3 }, { key: 'sub' }]);
    expect(parseKeyPath('m[1][2]')).toEqual([{ key: 'm' }, { index: 1 }, { index: 2 }]);
    expect(parseKeyPath('l[]')).toEqual([{ key: 'l' }, { append: true }]);
    expect(parseKeyPath('annotations.kubernetes\\.io/role')).toEqual([{ key: 'annotations' }, { key: 'kubernetes.io/role' }]);
    expect(parseKeyPath('a\\[b\\]\\\\')).toEqual([{ key: 'a[b]\\' }]);
  });
  it('rejects malformed paths', () => {
    expect(() => parseKeyPath('a..b')).toThrow(/unexpected character at pos 2/);
    expect(() => parseKeyPath('.a')).toThrow(/unexpected character at pos 0/);
    expect(() => parseKeyPath('a[x]')).toThrow(/expected a numeric index, found 'x'/);
    expect(() => parseKeyPath('a[1]b')).toThrow(/expected '.' character at pos 3/);
    expect(() => parseKeyPath('a\\q')).toThrow(/invalid escape sequence '\\q' at pos 1/);
    expect(() => parseKeyPath('a\\')).toThrow(/trailing backslash at pos 1/);
    expect(() => parseOverride('a[x]=1')).toThrow(InputError);
  });
});

describe('helpers', () => {
  it("yamlBool follows yaml-cpp's words", () => {
    for (const t of ['true', 'True', 'TRUE', 'yes', 'on', 'Y', 'y']) expect(yamlBool(t)).toBe(true);
    for (const f of ['false', 'No', 'OFF', 'n']) expect(yamlBool(f)).toBe(false);
    for (const x of ['tRue', '1', '0', '']) expect(yamlBool(x)).toBeUndefined();
  });
  it('expandEnvVars follows pre_process_env_vars', () => {
    const e = { A: 'x', B: '$' };
    expect(expandEnvVars('${A}-${A}', e)).toBe('x-x');
    expect(expandEnvVars('${MISSING}z', e)).toBe('z');
    expect(expandEnvVars('$${A}', e)).toBe('${A}');
    expect(expandEnvVars('a$b${A', e)).toBe('a$b${A');
    expect(expandEnvVars('cost $5', e)).toBe('cost $5');
  });
});

describe('append_output → engine extra formats/fields', async () => {
  const { engineAppendOutput } = await import('../../../src/replay/config/append.js');
  it('follows configure_output_format order', () => {
    const c = loadConfig({
      env,
      overrides: ['append_output[]={match: {source: syscall, tags: [x]}, extra_output: "cpu=%evt.cpu", extra_fields: [{home: "%user.homedir"}, evt.hostname]}'],
    });
    const r = engineAppendOutput(c.appendOutput, {
      loadedSources: ['syscall'],
      suggestedFields: (s) => (s === 'syscall' ? ['container.id', 'container.name'] : []),
    });
    expect(r.extraOutputFormat).toEqual([
      { format: 'container_id=%container.id', source: 'syscall', tags: [], rule: '' },
      { format: 'container_name=%container.name', source: 'syscall', tags: [], rule: '' },
      { format: 'cpu=%evt.cpu', source: 'syscall', tags: ['x'], rule: '' },
    ]);
    expect(r.extraOutputFields).toEqual([
      { key: 'home', format: '%user.homedir', source: 'syscall', tags: ['x'], rule: '', raw: false },
      { key: 'evt.hostname', format: '%evt.hostname', source: 'syscall', tags: ['x'], rule: '', raw: true },
    ]);
  });
});
