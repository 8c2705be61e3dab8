// POSIX sh quoting, shared by templates ({{shq}}) and the runner's command lines. Pure.

/** Quote a value for POSIX sh: 'it'\''s'. Safe words stay bare. */
export function shellQuote(v: unknown): string {
  const s = String(v);
  if (/^[A-Za-z0-9_./:=@%+,-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
