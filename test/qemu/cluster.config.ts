// The boot-test cluster: the default fleet plus a second frontend, CN02, BACKUP for the VIP.
// The admin key is the throwaway key the cluster test makes (OKOME_TEST_SSH_PUBKEY).
import { defineConfig } from '../../build/config/define.ts';
import fleet from '../../image.config.ts';

const key = process.env.OKOME_TEST_SSH_PUBKEY;
const cn00 = fleet.roles.cn00!;
if (cn00.kind !== 'frontend') throw new Error('image.config.ts: cn00 is expected to be a frontend');

export default defineConfig({
  ...fleet,
  admin: { ...fleet.admin, ...(key ? { sshKeys: [key] } : {}) },
  roles: {
    ...fleet.roles,
    cn02: { ...cn00, hostname: 'CN02', address: '192.168.86.21', vrrp: { state: 'BACKUP', priority: 100 } },
  },
});
