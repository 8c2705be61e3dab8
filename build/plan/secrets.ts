// The secrets a build needs, as names and as the values render may use. Values are read or
// generated at the edge (infra/secrets.ts) and never enter the plan, the manifest or a log.
import { createHash } from 'node:crypto';

export interface Secrets {
  /** Public keys authorised for the admin user. */
  adminKeys: readonly string[];
  /** keepalived VRRP auth_pass (at most 8 characters: VRRP PASS auth truncates). */
  keepalivedPass: string;
  /** Redis ACL passwords, plain: render only ever writes their sha256 (redisHash). */
  redisPlanner: string;
  redisAdmin: string;
  /** Low-privilege Redis user for health checks (PING/INFO only); stored on CN01 in a 0600 file. */
  redisHealth: string;
  /** pi-gen refuses DISABLE_FIRST_BOOT_USER_RENAME=1 without FIRST_USER_PASS; our stage locks it again. */
  firstUserPass: string;
}

/** The Redis ACL form of a password: #<sha256 hex>. */
export function redisHash(password: string): string {
  return `#${createHash('sha256').update(password).digest('hex')}`;
}

/** Fixed, obviously fake secrets for tests and `plan`/`render` snapshots. */
export const FAKE_SECRETS: Secrets = Object.freeze({
  adminKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTestsOnlyFakeKeyForTestsOnly0000 okome-test'],
  keepalivedPass: 'testpass',
  redisPlanner: 'planner-test-password',
  redisAdmin: 'admin-test-password',
  redisHealth: 'health-test-password',
  firstUserPass: 'firstuser-test-password',
});
