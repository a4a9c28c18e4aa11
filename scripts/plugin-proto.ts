/**
 * The artifact plugin service's descriptor (pkg/apiclient/artifact/artifact.proto of Argo v4.1.2), generated
 * from the shared source tarball into build/artifact-service.json — no upstream file enters the repository
 * (docs/decisions.md D13). protobufjs parses the .proto; only messages, fields and methods are kept (the
 * HTTP-gateway options and the google/api import are of no use over a unix socket). Field names are camelCase
 * (protobufjs's parse without keepCase): proto-loader takes a JSON descriptor's names as they are.
 *
 *   node scripts/plugin-proto.ts        (scripts/build.ts and `make typecheck` run it; skipped when up to date)
 *
 * ARGO_SHARED names the shared folder holding src/argo-workflows-<version>-src.tar.gz (default:
 * ../shared/argo-v4.1.2 next to the repository, as stack/build.sh).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import protobuf from 'protobufjs';

const root = resolve(import.meta.dirname, '..');
export const DESCRIPTOR_FILE = join(root, 'build/artifact-service.json');
const ARGO_VERSION = 'v4.1.2';
const PROTO_IN_TARBALL = `argo-workflows-${ARGO_VERSION}/pkg/apiclient/artifact/artifact.proto`;

function tarball(): string {
  const shared = process.env.ARGO_SHARED ?? join(root, '..', 'shared', `argo-${ARGO_VERSION}`);
  return join(shared, 'src', `argo-workflows-${ARGO_VERSION}-src.tar.gz`);
}

type Json = Record<string, unknown>;

/** Drop options (HTTP gateway annotations) and comments: the runtime needs types, fields and methods. */
function strip(node: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'options' || k === 'comment' || k === 'parsedOptions') continue;
    out[k] = v !== null && typeof v === 'object' && !Array.isArray(v) ? strip(v as Json) : v;
  }
  return out;
}

export function generatePluginDescriptor(): string {
  const src = tarball();
  if (existsSync(DESCRIPTOR_FILE) && existsSync(src) && statSync(DESCRIPTOR_FILE).mtimeMs >= statSync(src).mtimeMs) return DESCRIPTOR_FILE;
  if (!existsSync(src)) {
    if (existsSync(DESCRIPTOR_FILE)) return DESCRIPTOR_FILE; // built before; the tarball is not needed again
    throw new Error(`missing ${src} (set ARGO_SHARED to the shared argo-${ARGO_VERSION} folder): the artifact plugin descriptor is generated from it`);
  }
  const text = execFileSync('tar', ['-xzOf', src, PROTO_IN_TARBALL], { encoding: 'utf8', maxBuffer: 1 << 20 });
  const parsed = protobuf.parse(text, { keepCase: false, alternateCommentMode: false });
  const json = strip(parsed.root.toJSON() as Json);
  mkdirSync(dirname(DESCRIPTOR_FILE), { recursive: true });
  writeFileSync(DESCRIPTOR_FILE, `${JSON.stringify(json, null, 1)}\n`);
  return DESCRIPTOR_FILE;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  console.log(`generated ${generatePluginDescriptor()} (${readFileSync(DESCRIPTOR_FILE).length} bytes)`);
}
