import cliProgress from 'cli-progress';

export interface Progress {
  update(readBytes: number, totalBytes: number | undefined, events: number): void;
  stop(): void;
}

const NONE: Progress = { update: () => {}, stop: () => {} };

/** A progress bar on stderr (percent of bytes, events/s, ETA) when stderr is a terminal; silent otherwise. */
export function progressBar(label: string, enabled: boolean): Progress {
  if (!enabled || !process.stderr.isTTY) return NONE;
  const started = performance.now();
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {percentage}% | {events} events | {rate} ev/s | ETA {eta_formatted}`,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let startedBar = false;
  return {
    update(read, total, events) {
      const secs = (performance.now() - started) / 1000;
      const payload = { events, rate: secs > 0 ? Math.round(events / secs) : 0 };
      if (!startedBar) {
        bar.start(total ?? 1, 0, payload);
        startedBar = true;
      }
      bar.update(total === undefined ? 0 : Math.min(read, total), payload);
    },
    stop() {
      if (startedBar) bar.stop();
    },
  };
}
