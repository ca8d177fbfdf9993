/**
 * The library behind the `falco-scap` command: what the CLI does, as functions and classes
 * others can import (`import { ScapReader } from 'falco-scap'`). Every module under
 * dist/ can also be imported by its path (`falco-scap/dist/scap/reader.js`).
 */
export { CaptureError, InputError, SourceError, isInputError } from './errors.js';
export { VERSION } from './version.js';

// Reading, summarising, converting and writing captures.
export { openByteSource, type ByteSource } from './pcapng/source.js';
export { ScapReader } from './scap/reader.js';
export { EventView } from './scap/event.js';
export { summarizeCapture, type CaptureSummary } from './scap/summary.js';
export { convertCapture } from './scap/convert.js';
export { ScapWriter } from './scap/writer.js';

// Host state, fields and the condition language.
export { HostState, type HostStateOptions } from './replay/state/index.js';
export { syscallFieldRegistry, listFields } from './replay/fields/registry.js';
export { compileFilter } from './replay/filter/compile.js';

// Rules, replay and inspect.
export { loadConfig, type ReplayConfig } from './replay/config/config.js';
export { buildRuleset, DEFAULT_RULES_DIR, loadRules, ReplayEngine } from './replay/engine.js';
export { inspectCapture, type InspectOptions } from './replay/inspect/index.js';

// `falco-scap test`.
export { loadSpecs } from './testing/spec.js';
export { runCases } from './testing/runner.js';
