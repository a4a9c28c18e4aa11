/**
 * The status patch body exactly as Go's json.Marshal writes it (delete.go): map keys sorted by bytes,
 * `success` omitted when false, `error` only when set, empty maps omitted (omitempty), and `<`, `>`,
 * `&`, U+2028, U+2029 escaped as `\u00xx` (encoding/json's HTML-safe default). Written by hand because
 * JS objects reorder integer-like keys.
 */
export interface ArtifactResult { name: string; success: boolean; error?: string }
/** node ID → artifact name → result */
export type ResultsByNode = Map<string, Map<string, ArtifactResult>>;

/** A JSON string literal as Go's encoding/json writes it. */
export function goJsonString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function sortedMap<V>(m: Map<string, V>, value: (v: V) => string): string {
  const keys = [...m.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return `{${keys.map((k) => `${goJsonString(k)}:${value(m.get(k) as V)}`).join(',')}}`;
}

function resultJson(r: ArtifactResult): string {
  let s = `{"name":${goJsonString(r.name)}`;
  if (r.success) s += ',"success":true';
  if (r.error !== undefined) s += `,"error":${goJsonString(r.error)}`;
  return `${s}}`;
}

export function statusPatchBody(results: ResultsByNode): string {
  if (results.size === 0) return '{"status":{}}';
  const byNode = sortedMap(results, (arts) => (arts.size > 0 ? `{"artifactResults":${sortedMap(arts, resultJson)}}` : '{}'));
  return `{"status":{"artifactResultsByNode":${byNode}}}`;
}
