// Read an image file without mounting it: sfdisk --json for the table, mtools for the FAT
// partition, debugfs for the ext4 one (at its byte offset).
import { execa } from 'execa';

export interface Partition { node: string; start: number; size: number; type: string }

export async function readPartitions(img: string): Promise<{ id: string; label: string; partitions: Partition[] }> {
  const { stdout } = await execa('sfdisk', ['--json', img]);
  const t = JSON.parse(stdout).partitiontable;
  return { id: t.id, label: t.label, partitions: t.partitions };
}

const mt = { env: { MTOOLS_SKIP_CHECK: '1' } };

export async function fatList(img: string, offset: number, dir = '::/'): Promise<string[]> {
  const { stdout } = await execa('mdir', ['-b', '-i', `${img}@@${offset}`, dir], mt);
  return stdout.split('\n').filter(Boolean).map((l) => l.replace(/^::\//, '').replace(/\/$/, ''));
}

export async function fatRead(img: string, offset: number, file: string): Promise<string> {
  const { stdout } = await execa('mtype', ['-i', `${img}@@${offset}`, `::/${file}`], mt);
  return stdout;
}

export async function fatLabel(img: string, offset: number): Promise<string> {
  const { stdout } = await execa('mlabel', ['-s', '-i', `${img}@@${offset}`, '::'], mt);
  return stdout.replace(/^\s*Volume label is\s*/, '').trim();
}

export async function fatCopyOut(img: string, offset: number, file: string, dest: string): Promise<void> {
  await execa('mcopy', ['-n', '-i', `${img}@@${offset}`, `::/${file}`, dest], mt);
}

function extDev(img: string, offset: number): string {
  return `${img}?offset=${offset}`;
}

/** Run one debugfs request (read-only) against the ext4 partition. */
export async function debugfs(img: string, offset: number, request: string): Promise<string> {
  const { stdout } = await execa('debugfs', ['-R', request, extDev(img, offset)], { stderr: 'pipe' });
  return stdout;
}

export async function extRead(img: string, offset: number, path: string): Promise<string | undefined> {
  const r = await execa('debugfs', ['-R', `cat ${path}`, extDev(img, offset)], { reject: false });
  if (/File not found by ext2_lookup/.test(r.stderr)) return undefined;
  return r.stdout;
}

export async function extList(img: string, offset: number, dir: string): Promise<string[]> {
  const r = await execa('debugfs', ['-R', `ls -p ${dir}`, extDev(img, offset)], { reject: false });
  // ls -p: /inode/mode/uid/gid/name/size/
  return r.stdout.split('\n').map((l) => l.split('/')[5]).filter((n): n is string => !!n && n !== '.' && n !== '..');
}

export interface ExtStat { mode: number; uid: number; gid: number; type: string; size: number }

export async function extStat(img: string, offset: number, path: string): Promise<ExtStat | undefined> {
  const r = await execa('debugfs', ['-R', `stat ${path}`, extDev(img, offset)], { reject: false });
  if (!r.stdout.includes('Inode:')) return undefined;
  const m = /Type: (\S+)\s+Mode:\s+(\d+)/.exec(r.stdout);
  const u = /User:\s+(\d+)\s+Group:\s+(\d+)/.exec(r.stdout);
  const s = /Size: (\d+)/.exec(r.stdout);
  return { type: m?.[1] ?? '?', mode: parseInt(m?.[2] ?? '0', 8), uid: Number(u?.[1]), gid: Number(u?.[2]), size: Number(s?.[1]) };
}

export async function extLabel(img: string, offset: number): Promise<string> {
  const r = await execa('dumpe2fs', ['-h', extDev(img, offset)], { reject: false });
  return /Filesystem volume name:\s+(\S+)/.exec(r.stdout)?.[1] ?? '';
}
