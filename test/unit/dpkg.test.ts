import { describe, expect, it } from 'vitest';
import { parseDpkgStatus } from '../../build/steps/dpkg.ts';

describe('parseDpkgStatus', () => {
  it('lists installed packages with versions, foreign architectures qualified, sorted', () => {
    const text = [
      'Package: zstd\nStatus: install ok installed\nArchitecture: arm64\nVersion: 1.5.7+dfsg-1',
      'Package: libc6\nStatus: install ok installed\nArchitecture: armhf\nVersion: 2.41-12',
      'Package: tzdata\nStatus: install ok installed\nArchitecture: all\nVersion: 2025b-4',
      'Package: removed-one\nStatus: deinstall ok config-files\nArchitecture: arm64\nVersion: 1.0',
    ].join('\n\n');
    expect(parseDpkgStatus(text)).toEqual({ 'libc6:armhf': '2.41-12', tzdata: '2025b-4', zstd: '1.5.7+dfsg-1' });
    expect(Object.keys(parseDpkgStatus(text))).toEqual(['libc6:armhf', 'tzdata', 'zstd']);
  });
});
