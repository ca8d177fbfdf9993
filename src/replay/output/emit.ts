/**
 * Config-driven glue: render alerts as Falco would for a ReplayConfig and send them to the
 * enabled outputs.
 */
import type { ReplayConfig } from '../config/config.js';
import type { Alert, JsonAlertOptions } from './alert.js';
import { formatJsonAlert } from './json.js';
import { FileSink, MultiSink, stdoutSink, type AlertSink } from './sinks.js';
import { formatTextAlert } from './text.js';
import type { Writable } from 'node:stream';

/** The rendering switches of a config. */
export function alertFormatOptions(config: ReplayConfig, tzOffsetSeconds?: number): JsonAlertOptions {
  return {
    timeFormatIso8601: config.timeFormatIso8601,
    includeOutput: config.jsonIncludeOutputProperty,
    includeTags: config.jsonIncludeTagsProperty,
    includeMessage: config.jsonIncludeMessageProperty,
    includeOutputFields: config.jsonIncludeOutputFieldsProperty,
    ...(tzOffsetSeconds === undefined ? {} : { tzOffsetSeconds }),
  };
}

/** An alert renderer for a config: JSON lines with `json_output`, else text lines. */
export function alertRenderer(config: ReplayConfig, tzOffsetSeconds?: number): (alert: Alert) => string {
  const opts = alertFormatOptions(config, tzOffsetSeconds);
  return config.jsonOutput ? (a) => formatJsonAlert(a, opts) : (a) => formatTextAlert(a, opts);
}

/** The sinks a config enables (file first, then stdout, as Falco adds them). */
export function sinksForConfig(
  config: ReplayConfig,
  options: { readonly stdout?: Writable; readonly buffered?: boolean } = {},
): MultiSink {
  const buffered = options.buffered ?? config.bufferedOutputs;
  const sinks: AlertSink[] = [];
  if (config.fileOutput.enabled) {
    sinks.push(new FileSink({ filename: config.fileOutput.filename, keepAlive: config.fileOutput.keepAlive, buffered }));
  }
  if (config.stdoutOutput.enabled) {
    sinks.push(stdoutSink(options.stdout === undefined ? { buffered } : { buffered, stream: options.stdout }));
  }
  return new MultiSink(sinks);
}
