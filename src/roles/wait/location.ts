/**
 * Artifact location helpers with Argo's semantics (artifacts spec §2.3, workflow_types.go
 * ArtifactLocation Get/GetKey/SetKey/SetType/HasLocation/Relocate, Artifact.CleanPath). Used by the
 * wait (output keys) and init (input relocation); drivers only ever see relocated copies.
 */
import { posix } from 'node:path';
import type { Artifact } from '../../core/template.ts';

/** ArtifactLocation.Get precedence. */
const GET_ORDER = ['artifactory', 'azure', 'git', 'gcs', 'hdfs', 'http', 'oss', 'raw', 's3', 'plugin'] as const;
export type Kind = (typeof GET_ORDER)[number];
export type Location = Partial<Record<Kind, Record<string, unknown> | null>> & { archiveLogs?: boolean; [k: string]: unknown };

export const STORAGE_NOT_CONFIGURED = 'artifact storage is not configured; see the docs for setup instructions: https://argo-workflows.readthedocs.io/en/latest/configure-artifact-repository/';

export function locationKindOf(loc: Location | undefined | null): Kind | undefined {
  if (!loc) return undefined;
  return GET_ORDER.find((k) => loc[k] !== undefined && loc[k] !== null);
}

const s = (v: unknown): string => (typeof v === 'string' ? v : '');

function urlPath(u: string): string {
  try { return decodeURIComponent(new URL(u).pathname); } catch { /* relative */ }
  const q = u.search(/[?#]/);
  return q >= 0 ? u.slice(0, q) : u;
}

function withUrlPath(u: string, path: string): string {
  try {
    const url = new URL(u);
    url.pathname = path;
    return url.toString();
  } catch {
    return encodeURI(path);
  }
}

/** GetKey of the location's active member (errors like Go for git/raw/none). */
export function getKey(loc: Location | undefined | null): string {
  const kind = locationKindOf(loc);
  if (kind === undefined) throw new Error(loc ? STORAGE_NOT_CONFIGURED : 'key unsupported: cannot get key for artifact location, because it is invalid');
  const v = (loc as Location)[kind] as Record<string, unknown>;
  switch (kind) {
    case 's3': case 'gcs': case 'oss': case 'plugin': return s(v.key);
    case 'azure': return s(v.blob);
    case 'hdfs': return s(v.path);
    case 'http': case 'artifactory': return urlPath(s(v.url));
    case 'git': throw new Error('key unsupported: git artifact does not have a key');
    case 'raw': throw new Error('key unsupported: raw artifacts do not have a key');
  }
}

export function hasKey(loc: Location): boolean {
  try { return getKey(loc) !== ''; } catch { return false; }
}

/** HasLocation of the active member: a *full* location. */
export function hasLocation(loc: Location): boolean {
  const kind = locationKindOf(loc);
  if (kind === undefined) return false;
  const v = loc[kind] as Record<string, unknown>;
  switch (kind) {
    case 's3': return s(v.endpoint) !== '' && s(v.bucket) !== '' && s(v.key) !== '';
    case 'gcs': return s(v.bucket) !== '' && s(v.key) !== '';
    case 'azure': return s(v.endpoint) !== '' && s(v.container) !== '' && s(v.blob) !== '';
    case 'oss': return s(v.bucket) !== '' && s(v.endpoint) !== '' && s(v.key) !== '';
    case 'artifactory': return s(v.url) !== '' && v.usernameSecret !== undefined && v.usernameSecret !== null;
    case 'http': return s(v.url) !== '';
    case 'hdfs': return Array.isArray(v.addresses) && v.addresses.length > 0;
    case 'plugin': return s(v.name) !== '' && v.configuration !== undefined && v.configuration !== '' && s(v.key) !== '';
    case 'git': return s(v.repo) !== '';
    case 'raw': return true;
  }
}

export function hasLocationOrKey(loc: Location): boolean {
  return hasLocation(loc) || hasKey(loc);
}

/** SetKey on the active member (Go's struct layout: keys without omitempty are materialised). */
export function setKey(loc: Location, key: string): void {
  const kind = locationKindOf(loc);
  if (kind === undefined) throw new Error(STORAGE_NOT_CONFIGURED);
  const v = loc[kind] as Record<string, unknown>;
  switch (kind) {
    case 's3': case 'gcs': case 'oss': case 'plugin': v.key = key; break;
    case 'azure': v.blob = key; break;
    case 'hdfs': v.path = key; break;
    case 'http': case 'artifactory': v.url = withUrlPath(s(v.url), key); break;
    case 'git': throw new Error('key unsupported: git artifact does not have a key');
    case 'raw': throw new Error('key unsupported: raw artifacts do not have a key');
  }
}

/** Fresh empty member of `kind`, shaped like Go's zero struct after JSON marshalling. */
function emptyMember(kind: Kind): Record<string, unknown> {
  switch (kind) {
    case 'gcs': case 'oss': case 'plugin': return { key: '' };
    case 'azure': return { endpoint: '', container: '', blob: '' };
    case 'hdfs': return { path: '' };
    case 'http': case 'artifactory': return { url: '' };
    case 'raw': return { data: '' };
    default: return {};
  }
}

/** SetType: replace the member of the archive location's kind with a fresh empty one. */
export function setType(loc: Location, kind: Kind): void {
  if (kind === 'git') throw new Error('set type not supported for type: *v1alpha1.GitArtifact');
  loc[kind] = emptyMember(kind);
}

const LOCATION_MEMBERS = ['archiveLogs', ...GET_ORDER] as const;

/**
 * Relocate: an artifact without a full location takes a deep copy of the archive location (all
 * location members) with its own key put back. Returns a new object.
 */
export function relocate<T extends Location>(art: T, archiveLocation: Location | undefined | null): T {
  if (hasLocation(art)) return structuredClone(art);
  if (!archiveLocation) throw new Error('template artifact location not set');
  const key = getKey(art);
  const out = structuredClone(art) as Location;
  for (const m of LOCATION_MEMBERS) delete out[m];
  const copy = structuredClone(archiveLocation);
  for (const m of LOCATION_MEMBERS) if (copy[m] !== undefined) (out as Record<string, unknown>)[m] = copy[m];
  setKey(out, key);
  return out as T;
}

/** Artifact.CleanPath: reject `..` escapes, return the cleaned path (errors are Go's texts). */
export function cleanArtifactPath(art: Artifact): string {
  const path = art.path ?? '';
  if (path === '') throw new Error(`Artifact '${art.name}' did not specify a path`);
  let safeDir = '';
  const i = path.indexOf('/../');
  if (i >= 0) safeDir = path.slice(0, i);
  else if (path.endsWith('/..')) safeDir = path.slice(0, -3);
  const cleaned = posix.normalize(path).replace(/(.)\/+$/, '$1');
  const withSlash = `${safeDir}/`;
  if (safeDir.length > 0 && (!cleaned.startsWith(withSlash) || cleaned.length <= withSlash.length)) {
    throw new Error(`Artifact '${art.name}' attempted to use a path containing '..'. Directory traversal is not permitted`);
  }
  return cleaned;
}
