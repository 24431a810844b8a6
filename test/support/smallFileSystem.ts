// A real small file system for fault tests: a tmpfs of a given size (a full disk) that can be remounted
// read-only. Needs root (or CAP_SYS_ADMIN); `mountSmallFs` returns null where mounting is not allowed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SmallFs {
  dir: string;
  remount(mode: 'ro' | 'rw'): void;
  unmount(): void;
}

function mount(args: string[]): { ok: boolean; err: string } {
  const r = spawnSync('mount', args, { encoding: 'utf8' });
  return { ok: r.status === 0, err: `${r.stderr ?? ''}${r.error?.message ?? ''}` };
}

/** Mounts a tmpfs of `sizeKb` on a fresh temp folder, or returns null with the reason in `why`. */
export function mountSmallFs(sizeKb: number, why: { reason?: string } = {}): SmallFs | null {
  const dir = mkdtempSync(join(tmpdir(), 'assay-smallfs-'));
  const r = mount(['-t', 'tmpfs', '-o', `size=${sizeKb}k,mode=0755`, 'tmpfs', dir]);
  if (!r.ok) {
    rmSync(dir, { recursive: true, force: true });
    why.reason = `cannot mount a tmpfs here (${r.err.trim() || 'mount failed'})`;
    return null;
  }
  return {
    dir,
    remount(mode) {
      const m = mount(['-o', `remount,${mode}`, dir]);
      if (!m.ok) throw new Error(`remount ${mode} failed: ${m.err}`);
    },
    unmount() {
      spawnSync('umount', ['-l', dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
