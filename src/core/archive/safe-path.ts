/**
 * Containment for extraction: every path written during an extraction is resolved component by component from
 * the extraction root, never through a symlink that leaves the root, so nothing is written outside it — even with
 * hostile archives that plant symlinks first and then write "through" them.
 */
import { lstat, mkdir, readlink, realpath } from 'node:fs/promises';
import { isAbsolute, join, posix, relative, sep } from 'node:path';

export class IllegalPathError extends Error {}

/** Inside-or-equal test on normalised absolute paths. */
export function isWithin(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/**
 * Strictly below `root`: a symlink may not name the extraction root itself (Go: "illegal symlink target"), since the
 * single-top-level-entry rule renames a subdirectory to the target and a link to the root would then point at the
 * target's parent.
 */
export function isBelow(root: string, p: string): boolean {
  return isWithin(root, p) && relative(root, p) !== '';
}

/**
 * Normalise an archive entry name to a relative path ("a/b/c"), or '' for the root itself.
 * Refuses absolute names, `..` traversal, backslash-free Windows drive names and NUL bytes.
 */
export function entryRelPath(name: string, what = 'illegal file path'): string {
  if (name.includes('\0')) throw new IllegalPathError(`${what}: ${JSON.stringify(name)}`);
  if (name.startsWith('/') || /^[A-Za-z]:[\\/]/.test(name)) throw new IllegalPathError(`${what}: ${name} (absolute path)`);
  const clean = posix.normalize(name).replace(/\/+$/, '');
  if (clean === '.' || clean === '') return '';
  if (clean === '..' || clean.startsWith('../')) throw new IllegalPathError(`${what}: ${name} (escapes the extraction directory)`);
  return clean;
}

export class SafeRoot {
  readonly root: string;
  #realRoot: string | undefined;

  constructor(root: string) {
    this.root = root;
  }

  async realRoot(): Promise<string> {
    this.#realRoot ??= await realpath(this.root);
    return this.#realRoot;
  }

  /**
   * Physical directory for the parent of `rel`, creating missing directories (mode `dirMode`) and resolving
   * symlinked components only when they stay inside the root. Returns the absolute physical parent path.
   */
  async parentDir(rel: string, entryName: string, dirMode = 0o755): Promise<string> {
    const parts = rel.split('/');
    parts.pop();
    return this.dir(parts, entryName, dirMode);
  }

  /** Physical path of directory `parts` below the root, created as needed. */
  async dir(parts: string[], entryName: string, dirMode = 0o755): Promise<string> {
    const realRoot = await this.realRoot();
    let cur = realRoot;
    for (const part of parts) {
      if (part === '' || part === '.') continue;
      const p = join(cur, part);
      let st;
      try {
        st = await lstat(p);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        await mkdir(p, { mode: dirMode });
        cur = p;
        continue;
      }
      if (st.isSymbolicLink()) {
        let target: string;
        try {
          target = await realpath(p);
        } catch {
          throw new IllegalPathError(`illegal file path after symlink resolution: ${entryName} (dangling symlink ${await readlink(p)})`);
        }
        if (!isWithin(realRoot, target)) {
          throw new IllegalPathError(`illegal file path after symlink resolution: ${entryName} (through symlink to ${target})`);
        }
        const tst = await lstat(target);
        if (!tst.isDirectory()) throw new IllegalPathError(`illegal file path: ${entryName} (${part} is not a directory)`);
        cur = target;
      } else if (st.isDirectory()) {
        cur = p;
      } else {
        throw new IllegalPathError(`illegal file path: ${entryName} (${part} is not a directory)`);
      }
    }
    return cur;
  }

  /**
   * Whether the symlink text `link`, placed in physical directory `dir`, resolves strictly below the root — following
   * symlinks that already exist in the tree (chains), treating missing components lexically.
   */
  async symlinkStaysInside(dir: string, link: string, depth = 0): Promise<boolean> {
    if (isAbsolute(link)) return false;
    if (depth > 40) return false;
    const realRoot = await this.realRoot();
    let cur = dir;
    const parts = link.split('/');
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i] as string;
      if (part === '' || part === '.') continue;
      if (part === '..') {
        if (cur === realRoot) return false;
        cur = join(cur, '..');
        continue;
      }
      const p = join(cur, part);
      let st;
      try {
        st = await lstat(p);
      } catch {
        // Missing: the rest is lexical.
        const rest = posix.normalize([p, ...parts.slice(i + 1)].join('/'));
        return isBelow(realRoot, rest);
      }
      if (st.isSymbolicLink()) {
        const inner = await readlink(p);
        if (!(await this.symlinkStaysInside(cur, inner, depth + 1))) return false;
        try {
          cur = await realpath(p);
        } catch {
          // Dangling inner link that stays inside: continue lexically from its text.
          const rest = posix.normalize([join(cur, inner), ...parts.slice(i + 1)].join('/'));
          return isBelow(realRoot, rest);
        }
        if (!isWithin(realRoot, cur)) return false;
      } else {
        cur = p;
      }
    }
    return isBelow(realRoot, cur);
  }
}
