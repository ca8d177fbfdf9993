/**
 * Writing a sourcing plugin's events into a SCAP capture (PPME_PLUGINEVENT_E events, as
 * Falco's `-w` / libscap's dumper store them), so they can be replayed later with the same
 * plugin loaded.
 */
import { ScapWriter } from '../../scap/writer.js';
import type { Plugin } from '../../plugins/plugin.js';
import { PluginError } from '../../plugins/errors.js';

export interface PluginCaptureOptions {
  /** Stop after this many events. */
  readonly maxEvents?: number;
  /** Compress the file (gzip). */
  readonly gzip?: boolean;
}

/** Reads `plugin.open(openParams)` to the end (or maxEvents) into `path`; returns the number of events written. */
export async function writePluginCapture(path: string, plugin: Plugin, openParams: string, opts: PluginCaptureOptions = {}): Promise<number> {
  if (!plugin.has('sourcing') || plugin.info.id === 0) throw new PluginError(plugin.name, 'the plugin has no event source of its own to capture');
  const writer = await ScapWriter.create(path, opts.gzip ? { compression: 'gzip' } : {});
  let n = 0;
  const max = opts.maxEvents ?? Number.POSITIVE_INFINITY;
  try {
    writer.writeSectionHeader();
    const capture = plugin.open(openParams);
    try {
      outer: for (;;) {
        const batch = capture.nextBatch();
        if (batch === undefined) break;
        for (const ev of batch) {
          if (n >= max) break outer;
          writer.writePluginEvent(ev.pluginId, ev.data, ev.ts, ev.tid);
          n++;
        }
        await writer.flush();
      }
    } finally {
      capture.close();
    }
    await writer.close();
  } catch (e) {
    await writer.abort();
    throw e;
  }
  return n;
}
