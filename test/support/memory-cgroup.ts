/**
 * A memory cgroup with a hard limit, as the kubelet gives a container with `resources.limits.memory` (runc: the
 * memory controller's limit; the kernel's OOM killer acts inside it). cgroup v1 (`/sys/fs/cgroup/memory/<name>`:
 * memory.limit_in_bytes + memsw when swap accounting is on) and v2 (`/sys/fs/cgroup/<name>`: memory.max,
 * memory.swap.max 0). A process joins by writing its pid to `cgroup.procs` before it starts the container
 * (`launcher`).
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface MemoryUsage {
  /** The highest usage the kernel recorded (v1 max_usage_in_bytes, v2 memory.peak), page cache included. */
  peakBytes: number;
  /** Processes the kernel's OOM killer ended in the cgroup. */
  oomKills: number;
}

export class MemoryCgroup {
  readonly dir: string;
  readonly #v2: boolean;

  constructor(name: string, limitBytes: number) {
    this.#v2 = !existsSync('/sys/fs/cgroup/memory') && existsSync('/sys/fs/cgroup/cgroup.controllers');
    this.dir = this.#v2 ? join('/sys/fs/cgroup', name) : join('/sys/fs/cgroup/memory', name);
    mkdirSync(this.dir);
    if (this.#v2) {
      writeFileSync(join(this.dir, 'memory.max'), String(limitBytes));
      if (existsSync(join(this.dir, 'memory.swap.max'))) writeFileSync(join(this.dir, 'memory.swap.max'), '0');
    } else {
      writeFileSync(join(this.dir, 'memory.limit_in_bytes'), String(limitBytes));
      // with swap accounting, memory+swap at the same limit: no swapping out of the limit (as runc sets memory.swap = memory)
      if (existsSync(join(this.dir, 'memory.memsw.limit_in_bytes'))) writeFileSync(join(this.dir, 'memory.memsw.limit_in_bytes'), String(limitBytes));
    }
  }

  /**
   * A command prefix (PodSim.launcher) that joins this cgroup, then runs the rest as its child: everything the
   * container allocates is charged from the start (the shell stays, as a launcher does, for PodSim's pid1()).
   */
  launcher(): string[] {
    return ['/bin/sh', '-c', 'echo $$ > "$0/cgroup.procs" && "$@"', this.dir];
  }

  usage(): MemoryUsage {
    const read = (f: string): string => { try { return readFileSync(join(this.dir, f), 'utf8'); } catch { return ''; } };
    if (this.#v2) {
      const kills = /^oom_kill (\d+)$/m.exec(read('memory.events'))?.[1];
      return { peakBytes: Number(read('memory.peak').trim() || 0), oomKills: Number(kills ?? 0) };
    }
    const kills = /^oom_kill (\d+)$/m.exec(read('memory.oom_control'))?.[1];
    return { peakBytes: Number(read('memory.max_usage_in_bytes').trim() || 0), oomKills: Number(kills ?? 0) };
  }

  /** Remove it (its processes must have ended); a busy cgroup is retried for a few seconds, then left. */
  remove(): void {
    for (let i = 0; i < 50; i++) {
      try { rmdirSync(this.dir); return; } catch { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100); }
    }
  }
}
