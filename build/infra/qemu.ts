// QEMU boots of built images: -M virt, software emulation, the image's own kernel and initrd
// (copied out of its FAT partition), a copy-on-write overlay so the image stays pristine, and
// the serial console in a file the caller watches for the verdict.
import { execa, type ResultPromise } from 'execa';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fatCopyOut, fatList, readPartitions } from './inspect.ts';

export interface VmSpec {
  name: string;
  image: string;
  workDir: string;
  /** tap device (inside the namespace) or undefined for no NIC. */
  tap?: string;
  mac?: string;
  netns?: string;
  memoryMiB?: number;
  cpus?: number;
  /** Virtual disk size of the overlay, so the first boot has room to grow into. */
  diskSize?: string;
  /** Let a guest reboot (otherwise QEMU exits when the guest reboots or panics). */
  allowReboot?: boolean;
}

export interface Vm {
  spec: VmSpec;
  serialLog: string;
  proc: ResultPromise;
  startedAt: number;
}

export async function extractBootFiles(image: string, dir: string): Promise<{ kernel: string; initrd: string }> {
  mkdirSync(dir, { recursive: true });
  const t = await readPartitions(image);
  const off = t.partitions[0]!.start * 512;
  const files = await fatList(image, off);
  const k = files.filter((f) => f.startsWith('vmlinuz')).sort().pop();
  const i = files.filter((f) => f.startsWith('initrd')).sort().pop();
  if (!k || !i) throw new Error(`${image}: no vmlinuz/initrd on its boot partition (found: ${files.join(' ')})`);
  const kernel = join(dir, 'vmlinuz');
  const initrd = join(dir, 'initrd.img');
  await fatCopyOut(image, off, k, kernel);
  await fatCopyOut(image, off, i, initrd);
  return { kernel, initrd };
}

export const QEMU_APPEND = 'root=LABEL=rootfs rootwait ro console=ttyAMA0 net.ifnames=0 panic=-1 systemd.show_status=auto';

export async function startVm(spec: VmSpec): Promise<Vm> {
  mkdirSync(spec.workDir, { recursive: true });
  const { kernel, initrd } = await extractBootFiles(spec.image, join(spec.workDir, 'boot'));
  const overlay = join(spec.workDir, 'disk.qcow2');
  if (!existsSync(overlay)) {
    await execa('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'raw', '-b', resolve(spec.image), overlay, spec.diskSize ?? '4G']);
  }
  const serialLog = join(spec.workDir, 'serial.log');
  const args = [
    '-M', 'virt', '-cpu', 'cortex-a72', '-smp', String(spec.cpus ?? 2), '-m', String(spec.memoryMiB ?? 1024),
    '-display', 'none', '-monitor', 'none', '-serial', `file:${serialLog}`,
    '-kernel', kernel, '-initrd', initrd, '-append', QEMU_APPEND,
    '-drive', `if=none,id=hd,file=${overlay},format=qcow2`, '-device', 'virtio-blk-pci,drive=hd',
    '-device', 'virtio-rng-pci',
    ...(spec.allowReboot ? [] : ['-no-reboot']),
  ];
  if (spec.tap) args.push('-netdev', `tap,id=n0,ifname=${spec.tap},script=no,downscript=no`, '-device', `virtio-net-pci,netdev=n0,mac=${spec.mac},romfile=`);
  else args.push('-nic', 'none');
  const cmd = spec.netns ? ['ip', 'netns', 'exec', spec.netns, 'qemu-system-aarch64', ...args] : ['qemu-system-aarch64', ...args];
  const proc = execa(cmd[0]!, cmd.slice(1), { reject: false, stdin: 'ignore', stdout: 'ignore', stderr: ['pipe'] });
  return { spec, serialLog, proc, startedAt: Date.now() };
}

export function serialText(vm: Vm): string {
  return existsSync(vm.serialLog) ? readFileSync(vm.serialLog, 'latin1') : '';
}

export const VERDICT_RE = /OKOME-VERIFY role=(\S+) result=(PASS|FAIL) checks=(\d+)\/(\d+)(?: failed=(\S+))?/g;

export interface Verdict { role: string; result: 'PASS' | 'FAIL'; passed: number; total: number; failed: string[]; line: string; seconds: number }

/** Wait until the n-th verdict line appears on the serial console (n counts from 1). */
export async function waitForVerdict(vm: Vm, timeoutMs: number, nth = 1): Promise<Verdict> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void vm.proc.then(() => { exited = true; });
  while (Date.now() < deadline) {
    const text = serialText(vm);
    const all = [...text.matchAll(VERDICT_RE)];
    const m = all[nth - 1];
    if (m) {
      return { role: m[1]!, result: m[2] as 'PASS' | 'FAIL', passed: Number(m[3]), total: Number(m[4]), failed: m[5] ? m[5].split(',') : [], line: m[0], seconds: (Date.now() - vm.startedAt) / 1000 };
    }
    if (exited) throw new Error(`${vm.spec.name}: QEMU exited before the verdict; serial log ${vm.serialLog}:\n${text.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`${vm.spec.name}: no verdict within ${timeoutMs / 1000} s; serial log ${vm.serialLog}:\n${serialText(vm).slice(-3000)}`);
}

export async function stopVm(vm: Vm): Promise<void> {
  vm.proc.kill('SIGTERM');
  const t = setTimeout(() => vm.proc.kill('SIGKILL'), 5000);
  await vm.proc;
  clearTimeout(t);
}
