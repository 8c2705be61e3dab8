// Duration strings from the config ("15s", "10min", "1h", "1d") in each consumer's dialect. Pure.

export function durationSeconds(d: string): number {
  const m = /^([0-9]+)(s|min|h|d)$/.exec(d);
  if (!m) throw new Error(`not a duration: ${d}`);
  return Number(m[1]) * { s: 1, min: 60, h: 3600, d: 86400 }[m[2] as 's' | 'min' | 'h' | 'd'];
}

/** nginx time units: s, m (minutes), h, d. */
export function nginxTime(d: string): string {
  return d.replace(/min$/, 'm');
}

/** systemd accepts 15s, 10min, 1h, 1d as they are. */
export function systemdTime(d: string): string {
  return d;
}
