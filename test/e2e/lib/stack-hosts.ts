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

export interface InternetPeers {
  httpbin?: string; // the stack's go-httpbin
  gitHttp?: string; // the stack's smart-HTTP git server, without a repository (http://127.0.0.1:9419)
}

/** One internet URL of Argo's e2e tests, what answers for it on the stack, and why that stands in for it. */
interface StandIn {
  url: string; // matched whole: not followed by more of a URL
  to: (p: InternetPeers) => string | undefined;
  why: string;
}

/**
 * The internet URLs of Argo's own e2e tests (test-e2e/*_test.go, testdata) and their stand-ins. Each test only needs
 * what its assertions look at: a 200 page, a 404, a body containing a word, a repository with a README.md on master.
 */
export const INTERNET_STAND_INS: readonly StandIn[] = [
  { url: 'https://github.com/argoproj/argo-workflows/not-found', to: (p) => p.httpbin && `${p.httpbin}/status/404`, why: 'an optional HTTP artifact that answers 404' },
  { url: 'https://argoproj.github.io', to: (p) => p.httpbin && `${p.httpbin}/html`, why: 'any 200 page for four parallel HTTP nodes' },
  { url: 'https://google.com', to: (p) => p.httpbin && `${p.httpbin}/anything/google`, why: 'a body that contains "google" (httpbin echoes the URL)' },
  {
    url: 'https://raw.githubusercontent.com/argoproj/argo-workflows/4e450e250168e6b4d51a126b784e90b11a0162bc/pkg/apis/workflow/v1alpha1/generated.swagger.json',
    to: (p) => p.httpbin && `${p.httpbin}/json`, why: 'a JSON document the next step echoes',
  },
  // nothing listens on port 1 of loopback: the load fails at once, as a host that does not exist does (without DNS)
  { url: 'https://non-existent-http-location.com/doesnt-exist.txt', to: () => 'http://127.0.0.1:1/doesnt-exist.txt', why: 'an HTTP artifact that cannot load' },
  { url: 'https://github.com/argoproj-labs/go-git.git', to: (p) => p.gitHttp && `${p.gitHttp}/argoproj-labs/go-git.git`, why: 'a repository with README.md on master (stack/up.sh makes it)' },
];

/** The stack's smart-HTTP git server without a repository, from GIT_HTTP_URL (…/argo-test.git): the stand-in repositories sit beside it. */
export function gitHttpRoot(gitHttpUrl: string | undefined): string | undefined {
  return gitHttpUrl?.replace(/\/[^/]+$/, '');
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Argo's e2e tests' internet URLs → their stand-ins on the stack; a URL without its peer stays (and the row is skipped). */
export function rewriteInternetForStack(text: string, peers: InternetPeers): string {
  let out = text;
  const bare = { httpbin: peers.httpbin?.replace(/\/+$/, ''), gitHttp: peers.gitHttp?.replace(/\/+$/, '') };
  for (const s of INTERNET_STAND_INS) {
    const to = s.to(bare);
    if (to) out = out.replace(new RegExp(`${escape(s.url)}(?![\\w/.~-])`, 'g'), to);
  }
  return out;
}
