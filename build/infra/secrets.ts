// Secrets: read from the git-ignored secrets directory, or generated there once (dir 0700,
// files 0600) and reused, so both roles agree. Values never go to logs or the manifest.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResolvedConfig } from '../config/resolve.ts';
import type { Secrets } from '../plan/secrets.ts';
import { UserFacingError } from '../ui/errors.ts';
import type { Runner } from './runner.ts';

const ALNUM = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

export function randomToken(len: number): string {
  const bytes = randomBytes(len);
  return Array.from(bytes, (b) => ALNUM[b % ALNUM.length]).join('');
}

export interface SecretsResult { secrets: Secrets; created: string[]; dir: string }

function readOrCreate(dir: string, name: string, make: () => string, created: string[]): string {
  const p = join(dir, name);
  const env = process.env[`OKOME_SECRET_${name.replace(/[^A-Za-z0-9]/g, '_').toUpperCase()}`];
  if (env) return env.trim();
  if (existsSync(p)) {
    const mode = statSync(p).mode & 0o777;
    if (mode & 0o077) chmodSync(p, 0o600);
    return readFileSync(p, 'utf8').trim();
  }
  const v = make();
  writeFileSync(p, `${v}\n`, { mode: 0o600 });
  created.push(p);
  return v;
}

export async function loadSecrets(config: ResolvedConfig, runner: Runner, log: string): Promise<SecretsResult> {
  const dir = config.secretsDir;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const created: string[] = [];
  let adminKeys: string[];
  if (config.admin.sshKeys === 'generate') {
    const key = join(dir, 'admin_ed25519');
    if (!existsSync(key)) {
      await runner.run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `${config.admin.user}@okome`, '-f', key], { step: 'secrets', log });
      chmodSync(key, 0o600);
      created.push(key);
    }
    if (!existsSync(`${key}.pub`)) throw new UserFacingError(`${key}.pub is missing`, `delete ${key} to make a new pair, or restore the .pub file`);
    adminKeys = [readFileSync(`${key}.pub`, 'utf8').trim()];
  } else {
    adminKeys = [...config.admin.sshKeys];
  }
  const secrets: Secrets = {
    adminKeys,
    keepalivedPass: readOrCreate(dir, 'keepalived.pass', () => randomToken(8), created),
    redisPlanner: readOrCreate(dir, 'redis-planner.pass', () => randomToken(32), created),
    redisAdmin: readOrCreate(dir, 'redis-admin.pass', () => randomToken(32), created),
    redisHealth: readOrCreate(dir, 'redis-health.pass', () => randomToken(24), created),
    firstUserPass: readOrCreate(dir, 'pi-gen-first-user.pass', () => randomToken(24), created),
  };
  if (secrets.keepalivedPass.length > 8) throw new UserFacingError(`${join(dir, 'keepalived.pass')} is longer than 8 characters (VRRP PASS authentication uses at most 8)`, 'shorten it or delete it to generate a new one');
  return { secrets, created, dir };
}
