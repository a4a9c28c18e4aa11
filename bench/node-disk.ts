/**
 * A node's disk for the rows that create many files (P1): a fresh ext4 *with a journal* on a loop device, where the
 * pods of those rows live (their emptyDirs, the staged output, the downloaded input).
 *
 * Why not the system temporary directory: this machine's root file system is ext4 without a journal (a Firecracker
 * VM image; /sys/fs/ext4/vda/journal_task is empty). Without a journal, ext4's inode allocator skips every inode freed
 * in the last 60 s (360 s while its inode-table block is dirty: fs/ext4/ialloc.c, recently_deleted), reading the
 * inode table to find out, so creating 10,000 files right after 10,000 were deleted costs ~300 µs of kernel time each
 * (perf: two thirds of the samples in recently_deleted → find_get_block_common) instead of ~25 µs. The benchmark
 * deletes each run's files before the next run starts, so on the root file system every P1 download paid ~3 s of it,
 * more or less depending on what the runs before it deleted: the work of neither executor, and not what a node's
 * disk (ext4 or XFS with a journal) costs. P8 measures file creation on both, so the effect stays visible.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { log } from './lib.ts';

const DIR = '/var/cache/argoexec-ts/bench';

export interface NodeDisk {
  /** Where the rows put their pods and data. */
  path: string;
  /** What it is, for the report. */
  description: string;
  close(): void;
}

/**
 * Mount a fresh journaled ext4 (sparse image, `BENCH_NODE_DISK_GIB`, default 8) for the P1 rows; undefined (the rows then
 * use the system temporary directory, and the report says so) when it cannot be made, e.g. without loop devices.
 */
export function mountNodeDisk(): NodeDisk | undefined {
  const image = join(DIR, 'node-disk.img');
  const mnt = join(DIR, 'node-disk');
  const gib = Number(process.env.BENCH_NODE_DISK_GIB ?? 8);
  try {
    mkdirSync(mnt, { recursive: true });
    spawnSync('umount', [mnt], { stdio: 'ignore' }); // a run that was killed
    rmSync(image, { force: true });
    execFileSync('truncate', ['-s', `${gib}G`, image]);
    execFileSync('mkfs.ext4', ['-q', '-F', '-O', 'has_journal', image], { stdio: ['ignore', 'ignore', 'pipe'] });
    execFileSync('mount', ['-o', 'loop', image, mnt], { stdio: ['ignore', 'ignore', 'pipe'] });
    chmodSync(mnt, 0o1777);
  } catch (err) {
    const why = ((err as { stderr?: Buffer }).stderr?.toString().trim() || (err as Error).message).split('\n')[0];
    log(`node disk: not available (${why}); the P1 rows use the system temporary directory`);
    rmSync(image, { force: true });
    return undefined;
  }
  log(`node disk: ${gib} GiB ext4 with a journal on a loop device at ${mnt}`);
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    spawnSync('umount', [mnt], { stdio: 'ignore' });
    rmSync(image, { force: true });
  };
  process.once('exit', close);
  return { path: mnt, description: `a fresh ${gib} GiB ext4 with a journal on a loop device`, close };
}
