/** Raw input artifacts (artifacts spec §6.5): `raw.data` written verbatim (no newline), mode 0666. */
import { writeFile, chmod } from 'node:fs/promises';
import type { Artifact } from '../../core/template.ts';
import type { ArtifactDriver } from '../driver.ts';
import { DELETE_NOT_SUPPORTED, NotImplementedError, NotSupportedError } from '../common.ts';

export class RawArtifactDriver implements ArtifactDriver {
  async load(artifact: Artifact, path: string): Promise<void> {
    const raw = (artifact.raw ?? {}) as { data?: string };
    await writeFile(path, raw.data ?? '', { mode: 0o666 });
    await chmod(path, 0o666);
  }

  async save(): Promise<void> {
    throw new NotSupportedError('Raw output artifacts unsupported');
  }

  async listObjects(): Promise<string[]> {
    throw new NotSupportedError('Raw artifacts do not support listing');
  }

  async delete(): Promise<void> {
    throw new NotSupportedError(DELETE_NOT_SUPPORTED);
  }

  async isDirectory(): Promise<boolean> {
    throw new NotImplementedError('IsDirectory currently unimplemented for raw');
  }
}
