/**
 * API discovery for the built-in kubectl (kubectl's RESTMapper, reduced): which resource, scope and
 * path serve a kind (`apiVersion` + `kind` of a manifest) or a type argument (`configmap`, `cm`,
 * `jobs.batch`, `deployment.v1.apps`). Uses aggregated discovery (apidiscovery.k8s.io/v2: two requests
 * for the whole cluster), falling back to the legacy per-group documents when the server answers in
 * the old format.
 */
import type { KubeClient } from '../../core/kube/client.ts';

export interface ApiResource {
  group: string;
  version: string;
  kind: string;
  /** Plural resource name, e.g. `configmaps`. */
  resource: string;
  singular: string;
  shortNames: string[];
  namespaced: boolean;
}

const AGGREGATED = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';

interface AggResource { resource: string; responseKind?: { group?: string; version?: string; kind?: string }; scope?: string; singularResource?: string; shortNames?: string[] }
interface AggList { kind?: string; items?: { metadata?: { name?: string }; versions?: { version: string; resources?: AggResource[] }[] }[] }
interface LegacyResource { name: string; singularName?: string; namespaced?: boolean; kind: string; shortNames?: string[] }

export class Discovery {
  private readonly kube: KubeClient;
  private all: Promise<ApiResource[]> | undefined;

  constructor(kube: KubeClient) {
    this.kube = kube;
  }

  /** Every resource of the cluster in kubectl's priority order (core first, then group order, preferred version first). */
  resources(): Promise<ApiResource[]> {
    this.all ??= this.load().catch((err: unknown) => { this.all = undefined; throw err; });
    return this.all;
  }

  private async load(): Promise<ApiResource[]> {
    const out: ApiResource[] = [];
    for (const root of ['/api', '/apis']) {
      const doc = await this.kube.request<AggList>({ method: 'GET', path: root, accept: AGGREGATED });
      if (doc?.kind === 'APIGroupDiscoveryList') {
        for (const g of doc.items ?? []) {
          for (const v of g.versions ?? []) {
            for (const r of v.resources ?? []) {
              out.push({
                group: g.metadata?.name ?? '', version: v.version, kind: r.responseKind?.kind ?? '', resource: r.resource,
                singular: r.singularResource ?? '', shortNames: r.shortNames ?? [], namespaced: r.scope === 'Namespaced',
              });
            }
          }
        }
      } else {
        out.push(...await this.legacy(root, doc as unknown as Record<string, unknown>));
      }
    }
    return out;
  }

  private async legacy(root: string, doc: Record<string, unknown>): Promise<ApiResource[]> {
    const gvs: [string, string][] = [];
    if (root === '/api') for (const v of (doc.versions as string[] | undefined) ?? []) gvs.push(['', v]);
    else {
      for (const g of (doc.groups as { name: string; preferredVersion?: { version: string }; versions?: { version: string }[] }[] | undefined) ?? []) {
        const pref = g.preferredVersion?.version;
        const versions = (g.versions ?? []).map((v) => v.version).sort((a, b) => (a === pref ? -1 : b === pref ? 1 : 0));
        for (const v of versions) gvs.push([g.name, v]);
      }
    }
    const out: ApiResource[] = [];
    for (const [group, version] of gvs) out.push(...await this.groupVersion(group, version));
    return out;
  }

  private async groupVersion(group: string, version: string): Promise<ApiResource[]> {
    const path = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
    const doc = await this.kube.request<{ resources?: LegacyResource[] }>({ method: 'GET', path });
    return (doc?.resources ?? []).filter((r) => !r.name.includes('/')).map((r) => ({
      group, version, kind: r.kind, resource: r.name, singular: r.singularName || r.kind.toLowerCase(), shortNames: r.shortNames ?? [], namespaced: r.namespaced === true,
    }));
  }

  /** The resource serving `apiVersion`/`kind` (kubectl: `no matches for kind "X" in version "g/v"`). */
  async forKind(apiVersion: string, kind: string, ctx: { name?: string; namespace?: string; source?: string } = {}): Promise<ApiResource> {
    const [group, version] = apiVersion.includes('/') ? [apiVersion.slice(0, apiVersion.indexOf('/')), apiVersion.slice(apiVersion.indexOf('/') + 1)] : ['', apiVersion];
    const all = await this.resources();
    const found = all.find((r) => r.group === group && r.version === version && r.kind === kind);
    if (!found) throw new Error(`resource mapping not found for name: ${JSON.stringify(ctx.name ?? '')} namespace: ${JSON.stringify(ctx.namespace ?? '')} from ${JSON.stringify(ctx.source ?? '')}: no matches for kind "${kind}" in version "${apiVersion}"\nensure CRDs are installed first`);
    return found;
  }

  /** A type argument as kubectl parses it: `resource`, `resource.group` or `resource.version.group`. */
  async forType(arg: string): Promise<ApiResource> {
    const lower = arg.toLowerCase();
    const all = await this.resources();
    const names = (r: ApiResource): string[] => [r.resource, r.singular, r.kind.toLowerCase(), ...r.shortNames];
    const dot = lower.indexOf('.');
    const candidates: ((r: ApiResource) => boolean)[] = [];
    if (dot >= 0) {
      const res = lower.slice(0, dot);
      const rest = lower.slice(dot + 1);
      const second = rest.indexOf('.');
      if (second >= 0) {
        const ver = rest.slice(0, second);
        const grp = rest.slice(second + 1);
        candidates.push((r) => names(r).includes(res) && r.version === ver && r.group === grp);
      }
      candidates.push((r) => names(r).includes(res) && r.group === rest);
    } else {
      candidates.push((r) => r.resource === lower || r.singular === lower || r.kind.toLowerCase() === lower);
      candidates.push((r) => r.shortNames.includes(lower));
    }
    for (const c of candidates) {
      const found = all.find(c);
      if (found) return found;
    }
    throw new Error(`the server doesn't have a resource type "${arg}"`);
  }
}

/** The REST path of a resource collection or item. */
export function resourcePath(r: ApiResource, namespace: string | undefined, name?: string): string {
  const base = r.group === '' ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
  const ns = r.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${ns}/${r.resource}${name !== undefined ? `/${encodeURIComponent(name)}` : ''}`;
}
