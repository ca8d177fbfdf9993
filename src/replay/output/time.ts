/**
 * Event time rendering (libsinsp sinsp_utils::ts_to_string / ts_to_iso_8601, and the
 * JSON `time` property built in Falco's formats.cpp).
 */
const NS_PER_S = 1_000_000_000n;

function pad(n: number | bigint, w: number): string {
  return n.toString().padStart(w, '0');
}

function splitTs(ts: bigint): { sec: bigint; ns: bigint } {
  let sec = ts / NS_PER_S;
  let ns = ts % NS_PER_S;
  if (ns < 0n) {
    ns += NS_PER_S;
    sec -= 1n;
  }
  return { sec, ns };
}

/** Local time offset from UTC in seconds, as libsinsp's gmt2local(0) computes it (now). */
export function currentTzOffsetSeconds(): number {
  return -new Date().getTimezoneOffset() * 60;
}

/** `%evt.time`: `HH:MM:SS.nnnnnnnnn` in local time (offset taken now, not at `ts`). */
export function formatEvtTime(ts: bigint, tzOffsetSeconds: number = currentTzOffsetSeconds()): string {
  const { sec, ns } = splitTs(ts);
  let s = Number((sec + BigInt(tzOffsetSeconds)) % 86400n);
  if (s < 0) s += 86400;
  return `${pad(Math.floor(s / 3600), 2)}:${pad(Math.floor((s % 3600) / 60), 2)}:${pad(s % 60, 2)}.${pad(ns, 9)}`;
}

function utcDateTime(sec: bigint): string {
  const d = new Date(Number(sec) * 1000);
  return (
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}` +
    `T${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`
  );
}

/** `%evt.time.iso8601`: `YYYY-MM-DDTHH:MM:SS.nnnnnnnnn+0000` (always UTC). */
export function formatEvtTimeIso8601(ts: bigint): string {
  const { sec, ns } = splitTs(ts);
  return `${utcDateTime(sec)}.${pad(ns, 9)}+0000`;
}

/** The JSON alert `time` property: `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ` (UTC). */
export function formatJsonTime(ts: bigint): string {
  const { sec, ns } = splitTs(ts);
  return `${utcDateTime(sec)}.${pad(ns, 9)}Z`;
}
