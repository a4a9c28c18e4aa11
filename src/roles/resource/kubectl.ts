/**
 * The built-in kubectl: the subset of `kubectl <action> … -o json|name` that resource templates use,
 * on our small Kubernetes client (the executor image has no kubectl; Go embeds k8s.io/kubectl).
 *
 *   create   POST each object of the manifest (fieldManager kubectl-create)
 *   apply    **server-side apply** (PATCH application/apply-patch+yaml, fieldManager kubectl, force) —
 *            kubectl's default client-side apply (3-way merge + last-applied annotation) is not copied
 *   replace  PUT each object (fieldManager kubectl-replace)
 *   get      GET each object, or `TYPE NAME…` / `TYPE -l selector` from the flags
 *   delete   DELETE (propagationPolicy Background), 404 ignored, then wait until the objects are gone
 *   patch    PATCH with the manifest as body: strategic (refused by custom resources, as with kubectl),
 *            merge or json; target from the manifest or `TYPE NAME` flags
 *
 * Flags: -n/--namespace, -l/--selector (get/delete), --validate, --ignore-not-found, --wait, --cascade,
 * positional `TYPE NAME…` or `TYPE/NAME`; anything else is refused with a clear error.
 * Failures carry kubectl's texts (`Error from server (NotFound): …`, `error: …`).
 */
import { loadAll } from 'js-yaml';
import { KubeApiError, type KubeClient } from '../../core/kube/client.ts';
import { isNotFound, isTransientError } from '../../core/kube/errors.ts';
import { Discovery, resourcePath, type ApiResource } from './discovery.ts';
import { goJson } from './go-json.ts';

export type KubeObject = Record<string, unknown> & { apiVersion?: string; kind?: string; metadata?: Record<string, unknown> };

export class KubectlError extends Error {
  readonly transient: boolean;
  constructor(message: string, cause?: unknown) {
    super(message);
    this.name = 'KubectlError';
    this.transient = cause !== undefined && isTransientError(cause);
  }
}

export interface KubectlOptions {
  action: string;
  /** Manifest path as shown in messages, and its text (may be empty). */
  manifestPath: string;
  manifest: string;
  flags: string[];
  mergeStrategy?: string;
  /** Append `-f <manifest>` (Go's appendFileFlag). */
  useFile: boolean;
  /** Default namespace (kube config / service account). */
  namespace: string;
  /** Poll interval of `delete`'s wait (ms). */
  deleteWaitMs?: number;
}

interface ParsedFlags {
  namespace?: string;
  selector?: string;
  validate: string;
  ignoreNotFound: boolean;
  wait: boolean;
  cascade: string;
  positional: string[];
}

const SUPPORTED = '-n/--namespace, -l/--selector, --validate, --ignore-not-found, --wait, --cascade and TYPE [NAME…] arguments';

function boolValue(flag: string, v: string | undefined): boolean {
  if (v === undefined) return true;
  if (['true', '1', 't', 'T', 'TRUE', 'True'].includes(v)) return true;
  if (['false', '0', 'f', 'F', 'FALSE', 'False'].includes(v)) return false;
  throw new KubectlError(`error: invalid argument "${v}" for "${flag}" flag: strconv.ParseBool: parsing "${v}": invalid syntax`);
}

export function parseFlags(action: string, flags: string[]): ParsedFlags {
  const out: ParsedFlags = { validate: 'Strict', ignoreNotFound: false, wait: true, cascade: 'Background', positional: [] };
  for (let i = 0; i < flags.length; i++) {
    const f = flags[i] as string;
    if (!f.startsWith('-') || f === '-') { out.positional.push(f); continue; }
    let name: string;
    let value: string | undefined;
    if (f.startsWith('--')) {
      const eq = f.indexOf('=');
      name = eq >= 0 ? f.slice(2, eq) : f.slice(2);
      value = eq >= 0 ? f.slice(eq + 1) : undefined;
    } else {
      name = f.slice(1, 2);
      value = f.length > 2 ? f.slice(2).replace(/^=/, '') : undefined;
    }
    const needValue = (): string => {
      if (value !== undefined) return value;
      const next = flags[i + 1];
      if (next === undefined) throw new KubectlError(`error: flag needs an argument: ${f}`);
      i++;
      return next;
    };
    switch (name) {
      case 'n': case 'namespace': out.namespace = needValue(); break;
      case 'l': case 'selector':
        if (action !== 'get' && action !== 'delete') throw new KubectlError(`error: unknown shorthand flag: 'l' in ${f} (argoexec-ts supports --selector for get and delete)`);
        out.selector = needValue();
        break;
      case 'validate': {
        const v = (value ?? 'strict').toLowerCase();
        if (v === 'true' || v === 'strict') out.validate = 'Strict';
        else if (v === 'false' || v === 'ignore') out.validate = 'Ignore';
        else if (v === 'warn') out.validate = 'Warn';
        else throw new KubectlError(`error: invalid - validate option "${value}"; must be one of: strict (or true), warn, ignore (or false)`);
        break;
      }
      case 'ignore-not-found': out.ignoreNotFound = boolValue(f, value); break;
      case 'wait': out.wait = boolValue(f, value); break;
      case 'cascade': {
        const v = value ?? 'background';
        const map: Record<string, string> = { background: 'Background', true: 'Background', foreground: 'Foreground', orphan: 'Orphan', false: 'Orphan' };
        if (!map[v]) throw new KubectlError(`error: invalid cascade value (${v}). Must be "background", "foreground", or "orphan"`);
        out.cascade = map[v];
        break;
      }
      default:
        throw new KubectlError(`error: kubectl flag "${f}" is not supported by argoexec-ts (supported: ${SUPPORTED})`);
    }
  }
  return out;
}

/** The manifest's objects (YAML or JSON, multi-document, `List`s expanded). */
export function manifestObjects(text: string): KubeObject[] {
  let docs: unknown[];
  try {
    docs = loadAll(text);
  } catch (err) {
    throw new KubectlError(`error: error parsing manifest: ${(err as Error).message}`);
  }
  const out: KubeObject[] = [];
  for (const d of docs) {
    if (d === null || d === undefined) continue;
    if (typeof d !== 'object' || Array.isArray(d)) throw new KubectlError('error: error validating data: the manifest is not a Kubernetes object');
    const o = d as KubeObject;
    if (typeof o.kind === 'string' && o.kind.endsWith('List') && Array.isArray(o.items)) out.push(...(o.items as KubeObject[]));
    else out.push(o);
  }
  return out;
}

function patchBody(text: string): unknown {
  const docs = loadAll(text).filter((d) => d !== null && d !== undefined);
  return docs[0] ?? {};
}

const metaOf = (o: KubeObject): Record<string, unknown> => (o.metadata && typeof o.metadata === 'object' ? o.metadata : {});
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** kubectl's rendering of an API error (cmdutil.StandardErrorMessage, AddSourceToErr). */
function describe(err: unknown, verb?: string, source?: string): KubectlError {
  if (err instanceof KubectlError) return err;
  if (err instanceof KubeApiError) {
    const msg = verb && source ? `error when ${verb} "${source}": ${err.message}` : err.message;
    if (err.reason === 'Unauthorized') return new KubectlError(`error: You must be logged in to the server (${err.message})`, err);
    return new KubectlError(err.reason ? `Error from server (${err.reason}): ${msg}` : `Error from server: ${msg}`, err);
  }
  const text = err instanceof Error ? err.message : String(err);
  return new KubectlError(text.startsWith('error: ') ? text : `error: ${text}`, err);
}

/** `kind.group/name` as `kubectl -o name` prints it. */
function nameOf(r: ApiResource, name: string): string {
  return `${r.kind.toLowerCase()}${r.group ? `.${r.group}` : ''}/${name}`;
}

/** One object, or kubectl's `List` wrapper for several (what `-o json` prints). */
function printJson(objs: KubeObject[]): string {
  if (objs.length === 1) return `${JSON.stringify(objs[0], null, 4)}\n`;
  return `${JSON.stringify({ apiVersion: 'v1', items: objs, kind: 'List', metadata: { resourceVersion: '' } }, null, 4)}\n`;
}

interface Target { r: ApiResource; namespace: string | undefined; name: string; obj?: KubeObject }

export class Kubectl {
  private readonly kube: KubeClient;
  readonly discovery: Discovery;

  constructor(kube: KubeClient, discovery = new Discovery(kube)) {
    this.kube = kube;
    this.discovery = discovery;
  }

  private async mapObject(o: KubeObject, flags: ParsedFlags, defaultNs: string, source: string): Promise<Target> {
    if (!o.apiVersion || !o.kind) {
      throw new KubectlError(`error: error validating "${source}": error validating data: [apiVersion not set, kind not set]; if you choose to ignore these errors, turn validation off with --validate=false`);
    }
    const meta = metaOf(o);
    const r = await this.discovery.forKind(o.apiVersion, o.kind, { name: str(meta.name), namespace: str(meta.namespace), source })
      .catch((err: unknown) => { throw describe(err); });
    let namespace: string | undefined;
    if (r.namespaced) {
      const own = str(meta.namespace);
      if (own && flags.namespace && own !== flags.namespace) {
        throw new KubectlError(`error: the namespace from the provided object "${own}" does not match the namespace "${flags.namespace}". You must pass '--namespace=${own}' to perform this operation.`);
      }
      namespace = own || flags.namespace || defaultNs;
    }
    return { r, namespace, name: str(meta.name) || str(meta.generateName), obj: o };
  }

  /** `TYPE NAME…` / `TYPE/NAME…` arguments. */
  private async argTargets(args: string[]): Promise<{ r: ApiResource; names: string[] }[]> {
    const out: { r: ApiResource; names: string[] }[] = [];
    if (args.length === 0) return out;
    if (args.every((a) => a.includes('/'))) {
      for (const a of args) {
        const i = a.indexOf('/');
        const r = await this.discovery.forType(a.slice(0, i)).catch((err: unknown) => { throw describe(err); });
        out.push({ r, names: [a.slice(i + 1)] });
      }
      return out;
    }
    if (args.some((a) => a.includes('/'))) throw new KubectlError('error: there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. \'kubectl get resource/<resource_name>\' instead of \'kubectl get resource resource/<resource_name>\'');
    for (const t of (args[0] as string).split(',')) {
      const r = await this.discovery.forType(t).catch((err: unknown) => { throw describe(err); });
      out.push({ r, names: args.slice(1) });
    }
    return out;
  }

  async run(o: KubectlOptions): Promise<string> {
    const flags = parseFlags(o.action, o.flags);
    const fileObjs = o.useFile && o.manifest.length > 0 ? manifestObjects(o.manifest) : [];
    if (o.useFile && o.manifest.length > 0 && fileObjs.length === 0) throw new KubectlError('error: no objects passed to ' + o.action);
    const fromFile: Target[] = [];
    for (const obj of fileObjs) fromFile.push(await this.mapObject(obj, flags, o.namespace, o.manifestPath));
    const fromArgs = await this.argTargets(flags.positional);
    if (fromFile.length > 0 && fromArgs.length > 0) throw new KubectlError('error: Unexpected args: ' + JSON.stringify(flags.positional).replace(/"/g, '').replace(/,/g, ' '));
    const ns = flags.namespace || o.namespace;
    const q = (params: Record<string, string>): string => `?${new URLSearchParams(params).toString()}`;

    switch (o.action) {
      case 'create': case 'apply': case 'replace': {
        if (fromArgs.length > 0 || flags.selector) throw new KubectlError(`error: Unexpected args: ${flags.positional.join(' ')}`);
        if (fromFile.length === 0) throw new KubectlError('error: must specify one of -f and -k');
        const results: KubeObject[] = [];
        for (const t of fromFile) {
          const body = structuredClone(t.obj as KubeObject);
          if (t.r.namespaced && t.namespace) body.metadata = { ...metaOf(body), namespace: t.namespace };
          try {
            if (o.action === 'create') {
              results.push(await this.kube.request<KubeObject>({ method: 'POST', path: resourcePath(t.r, t.namespace) + q({ fieldManager: 'kubectl-create', fieldValidation: flags.validate }), body: goJson(body) }));
            } else if (o.action === 'replace') {
              // kubectl replace: without a resourceVersion in the manifest, the current one (a conditional update)
              if (!str(metaOf(body).resourceVersion)) {
                const cur = await this.kube.request<KubeObject>({ method: 'GET', path: resourcePath(t.r, t.namespace, t.name) });
                body.metadata = { ...metaOf(body), resourceVersion: str(metaOf(cur).resourceVersion) };
              }
              results.push(await this.kube.request<KubeObject>({ method: 'PUT', path: resourcePath(t.r, t.namespace, t.name) + q({ fieldManager: 'kubectl-replace', fieldValidation: flags.validate }), body: goJson(body) }));
            } else {
              if (!t.name) throw new KubectlError(`error: error when retrieving current configuration of:\nResource: "${t.r.group}/${t.r.version}, Resource=${t.r.resource}", GroupVersionKind: "${t.r.group}/${t.r.version}, Kind=${t.r.kind}"\nfrom server for: "${o.manifestPath}": resource name may not be empty`);
              results.push(await this.kube.request<KubeObject>({
                method: 'PATCH', path: resourcePath(t.r, t.namespace, t.name) + q({ fieldManager: 'kubectl', fieldValidation: flags.validate, force: 'true' }),
                body: goJson(body), contentType: 'application/apply-patch+yaml',
              }));
            }
          } catch (err) {
            throw describe(err, o.action === 'create' ? 'creating' : o.action === 'replace' ? 'replacing' : 'applying', o.manifestPath);
          }
        }
        return printJson(results);
      }
      case 'get': {
        const results: KubeObject[] = [];
        const get = async (r: ApiResource, namespace: string | undefined, name: string): Promise<void> => {
          try {
            results.push(await this.kube.request<KubeObject>({ method: 'GET', path: resourcePath(r, namespace, name) }));
          } catch (err) {
            if (flags.ignoreNotFound && isNotFound(err)) return;
            throw describe(err);
          }
        };
        for (const t of fromFile) await get(t.r, t.namespace, t.name);
        let listed = false;
        for (const { r, names } of fromArgs) {
          if (names.length > 0) { for (const n of names) await get(r, ns, n); continue; }
          listed = true;
          const list = await this.kube.request<{ items?: KubeObject[] }>({ method: 'GET', path: resourcePath(r, ns) + (flags.selector ? q({ labelSelector: flags.selector }) : '') })
            .catch((err: unknown) => { throw describe(err); });
          for (const item of list?.items ?? []) results.push({ apiVersion: r.group ? `${r.group}/${r.version}` : r.version, kind: r.kind, ...item });
        }
        if (fromFile.length === 0 && fromArgs.length === 0) throw new KubectlError('error: You must specify the type of resource to get. Use "kubectl api-resources" for a complete list of supported resources.');
        if (listed) return `${JSON.stringify({ apiVersion: 'v1', items: results, kind: 'List', metadata: { resourceVersion: '' } }, null, 4)}\n`;
        return results.length === 0 ? '' : printJson(results);
      }
      case 'delete': {
        const victims: Target[] = [...fromFile];
        for (const { r, names } of fromArgs) {
          if (names.length > 0) { for (const n of names) victims.push({ r, namespace: ns, name: n }); continue; }
          if (!flags.selector) throw new KubectlError('error: resource(s) were provided, but no name was specified');
          const list = await this.kube.request<{ items?: KubeObject[] }>({ method: 'GET', path: resourcePath(r, ns) + q({ labelSelector: flags.selector }) })
            .catch((err: unknown) => { throw describe(err); });
          for (const item of list?.items ?? []) victims.push({ r, namespace: str(metaOf(item).namespace) || ns, name: str(metaOf(item).name) });
        }
        if (victims.length === 0 && fromArgs.length === 0) throw new KubectlError('error: You must provide one or more resources by argument or filename.');
        const lines: string[] = [];
        const gone: { t: Target; uid: string }[] = [];
        for (const t of victims) {
          try {
            const res = await this.kube.request<KubeObject>({
              method: 'DELETE', path: resourcePath(t.r, t.namespace, t.name),
              body: goJson({ propagationPolicy: flags.cascade }),
            });
            lines.push(nameOf(t.r, t.name));
            gone.push({ t, uid: str(metaOf(res ?? {}).uid) });
          } catch (err) {
            if (isNotFound(err)) continue;
            throw describe(err);
          }
        }
        if (flags.wait) await this.waitDeleted(gone, o.deleteWaitMs ?? 1000);
        return lines.map((l) => `${l}\n`).join('');
      }
      case 'patch': {
        const type = o.mergeStrategy || 'strategic';
        const contentType: Record<string, string> = { strategic: 'application/strategic-merge-patch+json', merge: 'application/merge-patch+json', json: 'application/json-patch+json' };
        if (!contentType[type]) throw new KubectlError(`error: --type must be one of [json merge strategic], not "${type}"`);
        let body: unknown;
        try { body = patchBody(o.manifest); } catch (err) { throw new KubectlError(`error: unable to parse "${o.manifest}": ${(err as Error).message}`); }
        // Objects named on the command line are fetched first by kubectl's resource builder (so `get` is
        // needed, and a missing object is NotFound); objects given with -f are taken from the file as is.
        const targets: (Target & { fetch: boolean })[] = fromFile.map((t) => ({ ...t, fetch: false }));
        for (const { r, names } of fromArgs) for (const n of names) targets.push({ r, namespace: ns, name: n, fetch: true });
        if (targets.length === 0) throw new KubectlError('error: must specify --patch or --patch-file containing the contents of the patch');
        const results: KubeObject[] = [];
        for (const t of targets) {
          const path = resourcePath(t.r, t.namespace, t.name) + q({ fieldManager: 'kubectl-patch' });
          try {
            if (t.fetch) await this.kube.request<KubeObject>({ method: 'GET', path: resourcePath(t.r, t.namespace, t.name) });
            results.push(await this.kube.request<KubeObject>({ method: 'PATCH', path, body: goJson(body), contentType: contentType[type] }));
          } catch (err) {
            // Custom resources refuse strategic merge patches (415); kubectl reports it (no fallback to merge).
            if (err instanceof KubeApiError && err.status === 415) {
              throw new KubectlError(`error: ${contentType[type]} is not supported by ${t.r.group}/${t.r.version}, Kind=${t.r.kind}: ${err.message}`, err);
            }
            throw describe(err);
          }
        }
        return printJson(results);
      }
      default:
        throw new KubectlError(`error: unknown command "${o.action}" for "kubectl" (argoexec-ts implements create, apply, replace, get, delete, patch)`);
    }
  }

  /** kubectl delete --wait: until every deleted object is gone (404, or a new object with another uid). */
  private async waitDeleted(gone: { t: Target; uid: string }[], intervalMs: number): Promise<void> {
    for (const { t, uid } of gone) {
      for (;;) {
        try {
          const cur = await this.kube.request<KubeObject>({ method: 'GET', path: resourcePath(t.r, t.namespace, t.name) });
          if (uid && str(metaOf(cur).uid) !== uid) break;
        } catch (err) {
          if (isNotFound(err)) break;
          throw describe(err);
        }
        await new Promise((res) => setTimeout(res, intervalMs));
      }
    }
  }
}
