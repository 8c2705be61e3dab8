// The OKOME fleet. `npm run build:image -- --role cn00` builds CN00's image from this file.
// Every field and its default: docs/configuration.md.
import { defineConfig } from './build/config/define.ts';

export default defineConfig({
  base: 'debian',
  release: 'trixie',
  arch: 'arm64',
  mirror: 'http://deb.debian.org/debian',
  network: { prefix: 24, gateway: '192.168.86.1', dns: ['192.168.86.1'] },
  // 'generate' makes an ed25519 key pair once under .secrets/ (git-ignored) and reuses it.
  admin: { user: 'okome', sshKeys: 'generate' },
  vip: { address: '192.168.86.18', routerId: 18 },
  roles: {
    cn00: {
      kind: 'frontend',
      hostname: 'CN00',
      address: '192.168.86.20',
      vrrp: { state: 'MASTER', priority: 150 },
      // Placeholder: the seed does not name the OKOME app server. Set your app's address here.
      nginx: { upstream: 'http://192.168.86.10:8080', cache: { size: '256m' } },
    },
    cn01: {
      kind: 'backend',
      hostname: 'CN01',
      address: '192.168.86.19',
      redis: { maxmemory: '256mb', allowFrom: ['cn00'] },
    },
  },
});
