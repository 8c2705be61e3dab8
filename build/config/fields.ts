// Small zod building blocks with messages written for operators.
// Every message says what was seen, so `! path: message` reads as a sentence.
import { isIPv4 } from 'node:net';
import { z } from 'zod';

const shown = (v: unknown): string => JSON.stringify(v);

export const ipv4 = z.string().superRefine((v, ctx) => {
  if (!isIPv4(v)) ctx.addIssue({ code: 'custom', message: `${shown(v)} is not an IPv4 address` });
});

/** A size such as 256m, 64M, 1g, 512k (tmpfs / nginx / journald style). */
export const SIZE_RE = /^[1-9][0-9]*[kKmMgG]$/;
export const size = z.string().superRefine((v, ctx) => {
  if (!SIZE_RE.test(v)) ctx.addIssue({ code: 'custom', message: `${shown(v)} is not a size (use a number and a unit, like 64m or 1g)` });
});

/** RFC 1123 host label: letters, digits, hyphen; 1..63; no leading or trailing hyphen. */
export const HOSTNAME_RE = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;
export const hostname = z.string().superRefine((v, ctx) => {
  if (v.length > 63) ctx.addIssue({ code: 'custom', message: `${shown(v)} is longer than 63 characters` });
  else if (!HOSTNAME_RE.test(v)) ctx.addIssue({ code: 'custom', message: `${shown(v)} is not a valid hostname (letters, digits and hyphens only)` });
});

export const httpUrl = z.string().superRefine((v, ctx) => {
  let ok = false;
  try { ok = ['http:', 'https:'].includes(new URL(v).protocol); } catch { ok = false; }
  if (!ok) ctx.addIssue({ code: 'custom', message: `${shown(v)} is not an http(s) URL` });
});

export const UNIX_USER_RE = /^[a-z_][a-z0-9_-]{0,31}$/;
export const unixUser = z.string().superRefine((v, ctx) => {
  if (!UNIX_USER_RE.test(v)) ctx.addIssue({ code: 'custom', message: `${shown(v)} is not a valid user name (lowercase letters, digits, _ and -)` });
});

export const SSH_KEY_RE = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com) [A-Za-z0-9+/=]+( .*)?$/;
export const sshPublicKey = z.string().superRefine((v, ctx) => {
  if (!SSH_KEY_RE.test(v)) ctx.addIssue({ code: 'custom', message: `${shown(v.slice(0, 40))} is not an SSH public key (expected "ssh-ed25519 AAAA... comment")` });
});

export const port = z.number().int().min(1).max(65535);

/** Parse "64m" into bytes. Pure. */
export function sizeToBytes(s: string): number {
  const m = /^([0-9]+)([kKmMgG])$/.exec(s);
  if (!m) throw new Error(`not a size: ${s}`);
  const mult = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as 'k' | 'm' | 'g'];
  return Number(m[1]) * mult;
}
