/**
 * `append_output` → the engine's extra output formats and fields (Falco
 * app/actions/init_falco_engine.cpp `configure_output_format`). The shapes match the rules
 * loader's ExtraOutputFormat / ExtraOutputField.
 *
 * Per entry, in order: its `extra_output` (if not empty); with `suggested_output`, one
 * `foo_bar=%foo.bar` format per suggested field of its source (or of every loaded source
 * when the entry has none); its formatted extra fields; its raw extra fields (format
 * `%field`). The rule compiler then appends each matching format to a rule's output with a
 * space, and attaches each matching field.
 */
import type { AppendOutputEntry } from './config.js';

export interface EngineExtraOutputFormat {
  format: string;
  source: string;
  tags: string[];
  rule: string;
}

export interface EngineExtraOutputField {
  key: string;
  format: string;
  source: string;
  tags: string[];
  rule: string;
  raw: boolean;
}

export interface AppendOutputEnv {
  /** Sources in use, in load order (for entries without match.source). */
  readonly loadedSources: readonly string[];
  /** Fields a source flags as suggested output, in field-table order. */
  readonly suggestedFields: (source: string) => readonly string[];
}

export function engineAppendOutput(
  entries: readonly AppendOutputEntry[],
  env: AppendOutputEnv,
): { extraOutputFormat: EngineExtraOutputFormat[]; extraOutputFields: EngineExtraOutputField[] } {
  const extraOutputFormat: EngineExtraOutputFormat[] = [];
  const extraOutputFields: EngineExtraOutputField[] = [];
  for (const e of entries) {
    const tags = [...e.tags];
    if (e.extraOutput !== '') extraOutputFormat.push({ format: e.extraOutput, source: e.source, tags, rule: e.rule });
    if (e.suggestedOutput) {
      const sources = e.source === '' ? env.loadedSources : [e.source];
      for (const src of sources) {
        for (const f of env.suggestedFields(src)) {
          extraOutputFormat.push({ format: `${f.replace(/\./g, '_')}=%${f}`, source: src, tags: [...tags], rule: e.rule });
        }
      }
    }
    for (const [key, format] of e.formattedFields) {
      extraOutputFields.push({ key, format, source: e.source, tags: [...tags], rule: e.rule, raw: false });
    }
    for (const key of e.rawFields) {
      extraOutputFields.push({ key, format: `%${key}`, source: e.source, tags: [...tags], rule: e.rule, raw: true });
    }
  }
  return { extraOutputFormat, extraOutputFields };
}
