/**
 * The verb and kind of a Kubernetes API request, as Argo derives them for its `k8s.verb`/`k8s.kind` span attributes
 * and request logs (util/k8s/parse.go ParseRequest): from the method, the number of path segments after the API
 * version, and `watch` in the query.
 */
export function parseKubeRequest(method: string, path: string, query: URLSearchParams): { verb: string; kind: string } {
  const segments = path.slice(path.indexOf('/v') + 1).split('/');
  const n = segments.length;
  let verb = ({ GET: 'List', POST: 'Create', DELETE: 'Delete', PATCH: 'Patch', PUT: 'Update' } as Record<string, string>)[method] ?? '';
  const even = n % 2 === 0;
  if ((query.get('watch') ?? '') !== '') verb = 'Watch';
  else if (verb === 'List' && !even) verb = 'Get';
  else if (verb === 'Delete' && even) verb = 'DeleteCollection';
  let kind = 'Unknown';
  const at = (i: number): string => segments[i] ?? '';
  if (['List', 'Watch', 'Create', 'DeleteCollection'].includes(verb)) kind = n > 2 && n % 4 === 2 ? `${at(n - 3)}/${at(n - 1)}` : at(n - 1);
  else if (['Get', 'Delete', 'Patch', 'Update'].includes(verb)) kind = even ? `${at(n - 3)}/${at(n - 1)}` : at(n - 2);
  return { verb, kind };
}
