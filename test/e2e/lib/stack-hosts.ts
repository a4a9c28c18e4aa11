/**
 * Point Argo's CI hosts at the stack's peers, as test/e2e/variants do with placeholders: the in-cluster
 * MinIO `minio:9000` (s3 endpoints) and httpbin `http://httpbin:9100` (HTTP templates and artifacts).
 */
export function rewriteForStack(text: string, peers: { minio?: string; httpbin?: string }): string {
  let out = text;
  if (peers.minio) out = out.replace(/\bminio:9000\b/g, peers.minio.replace(/^https?:\/\//, ''));
  if (peers.httpbin) out = out.replace(/https?:\/\/httpbin:9100/g, peers.httpbin.replace(/\/+$/, ''));
  return out;
}
