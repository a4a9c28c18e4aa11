/**
 * lifecycle §10.4, §11, §16 items 88–90: `argoexec agent init|main` in a simulated agent pod. The agent
 * runs as the executor ServiceAccount (argo/default, bound to Argo's quick-start agent Role) against
 * WorkflowTaskSets created in the real apiserver as admin; API calls go through a recording proxy that
 * forwards them unchanged. HTTP tasks talk to go-httpbin; the plugin tasks to a small executor-plugin
 * server started by the test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { NAMESPACE, PodSim, STACK } from '../support/pod-sim.ts';
import { ApiRecorder } from './api-recorder.ts';
import { admin } from '../wait/helpers.ts';

const HTTPBIN = STACK.HTTPBIN_URL ?? 'http://127.0.0.1:9100';
/** An HTTPS peer with a private CA: the apiserver's anonymous /healthz. */
const APISERVER = STACK.KUBE_APISERVER_URL ?? 'https://127.0.0.1:6443';
const WFTS = `/apis/argoproj.io/v1alpha1/namespaces/${NAMESPACE}/workflowtasksets`;
const LOG_FLAGS = ['--loglevel', 'info', '--log-format', 'text', '--gloglevel', '0'];
const rand = (): string => `${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6)}`;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function createTaskSet(name: string, tasks: Record<string, unknown>): Promise<void> {
  const r = await admin.req('POST', WFTS, {
    apiVersion: 'argoproj.io/v1alpha1', kind: 'WorkflowTaskSet',
    metadata: { name, labels: { 'workflows.argoproj.io/completed': 'false' } }, spec: { tasks },
  });
  assert.equal(r.status, 201, r.text);
}

async function taskSetNodes(name: string): Promise<Record<string, any>> {
  const r = await admin.req('GET', `${WFTS}/${name}`);
  assert.equal(r.status, 200, r.text);
  return r.body?.status?.nodes ?? {};
}

async function waitForNodes(name: string, ids: string[], timeoutMs = 30_000): Promise<Record<string, any>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const nodes = await taskSetNodes(name);
    if (ids.every((id) => nodes[id]?.phase)) return nodes;
    if (Date.now() > end) throw new Error(`nodes ${ids.join(',')} not reported: ${JSON.stringify(nodes)}`);
    await sleep(200);
  }
}

const markCompleted = (name: string): Promise<unknown> => admin.req('PATCH', `${WFTS}/${name}`, { metadata: { labels: { 'workflows.argoproj.io/completed': 'true' } } }, 'application/merge-patch+json');
const deleteTaskSet = (name: string): Promise<unknown> => admin.req('DELETE', `${WFTS}/${name}`);

interface AgentRun { pod: PodSim; proxy: ApiRecorder; done: Promise<{ code: number | null; stderr: string }> }

/** The agent pod's `main` container (controller agent.go createAgentPod) behind a recording proxy. */
async function startAgent(wf: string, env: Record<string, string> = {}, pod?: PodSim): Promise<AgentRun> {
  const proxy = await ApiRecorder.start();
  const p = pod ?? new PodSim({ template: {} }, { workflowName: wf });
  writeFileSync(p.path('sa', 'ca.crt'), proxy.caPem);
  const running = p.start('wait', ['argoexec', 'agent', 'main', ...LOG_FLAGS], {
    ARGO_WORKFLOW_NAME: wf, ARGO_WORKFLOW_UID: '0b7d5e54-1111-4222-8333-444455556666', ARGO_AGENT_PATCH_RATE: '1s',
    ARGO_PLUGIN_ADDRESSES: '[]', ARGO_PLUGIN_NAMES: 'null',
    KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(proxy.port), PATH: `${p.executor.binDir}:/usr/bin:/bin`,
    ...env,
  }, 120_000);
  return { pod: p, proxy, done: running.done };
}

async function finish(run: AgentRun): Promise<{ code: number | null; stderr: string }> {
  const r = await run.done;
  await run.proxy.close();
  run.pod.cleanup();
  return r;
}

const patches = (proxy: ApiRecorder, wf: string): string[] => proxy.requests.filter((q) => q.method === 'PATCH' && q.path === `${WFTS}/${wf}/status`).map((q) => q.body);

test('89, 90: watch by field selector, 200 → Succeeded with the body as result, 404 → Failed; exact status patch; exit 0 once labelled completed', async () => {
  const wf = `agent-${rand()}`;
  await createTaskSet(wf, {
    [`${wf}-2`]: { name: 'http', http: { url: `${HTTPBIN}/status/404` } },
    [`${wf}-1`]: { name: 'http', http: { url: `${HTTPBIN}/base64/aGVsbG8gPGFnZW50PiAmIGNv`, method: 'GET' } },
  });
  const run = await startAgent(wf, { ARGO_AGENT_PATCH_RATE: '2s' });
  const nodes = await waitForNodes(wf, [`${wf}-1`, `${wf}-2`]);
  assert.deepEqual(nodes, {
    [`${wf}-1`]: { phase: 'Succeeded', outputs: { result: 'hello <agent> & co' } },
    [`${wf}-2`]: { phase: 'Failed', message: 'received non-2xx response code: 404', outputs: { result: '' } },
  });
  await markCompleted(wf);
  const r = await finish(run);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /msg="Workflow completed\.\.\. stopping agent"/);
  const watch = run.proxy.requests[0];
  assert.equal(`${watch?.method} ${watch?.path}`, `GET ${WFTS}?fieldSelector=metadata.name%3D${wf}&watch=true`);
  assert.match(watch?.userAgent ?? '', /^argo-workflows\/\S+ argo-executor\/agent Executor$/);
  const p = patches(run.proxy, wf);
  assert.deepEqual(p, [`{"status":{"nodes":{"${wf}-1":{"phase":"Succeeded","outputs":{"result":"hello \\u003cagent\\u003e \\u0026 co"}},`
    + `"${wf}-2":{"phase":"Failed","message":"received non-2xx response code: 404","outputs":{"result":""}}}}}`]);
  const patchReq = run.proxy.requests.find((q) => q.method === 'PATCH');
  assert.equal(patchReq?.contentType, 'application/merge-patch+json');
  assert.equal(patchReq?.status, 200);
  await deleteTaskSet(wf);
});

test('10.4: successCondition true/false/error, request details (method, body, bodyFrom, headers, Host), timeoutSeconds, transport errors, unknown task types', async () => {
  const wf = `agent-${rand()}`;
  const id = (n: string): string => `${wf}-${n}`;
  await createTaskSet(wf, {
    [id('created')]: { http: { url: `${HTTPBIN}/status/201`, successCondition: 'response.statusCode == 201' } },
    [id('created-no-cond')]: { http: { url: `${HTTPBIN}/status/201` } },
    [id('false')]: { http: { url: `${HTTPBIN}/base64/aGVsbG8=`, successCondition: 'response.body contains "nope"' } },
    [id('header')]: { http: { url: `${HTTPBIN}/response-headers?X-Test=abc`, successCondition: 'response.headers["X-Test"][0] == "abc" && response.statusCode in [200, 201] && request.method == ""' } }, // request.* is the template as written (Go)
    [id('not-bool')]: { http: { url: `${HTTPBIN}/status/200`, successCondition: 'response.statusCode' } },
    [id('unsupported')]: { http: { url: `${HTTPBIN}/status/200`, successCondition: 'all(response.headers, {# != nil})' } },
    [id('unknown-name')]: { http: { url: `${HTTPBIN}/status/200`, successCondition: 'resp.statusCode == 200' } },
    [id('post')]: {
      http: {
        url: `${HTTPBIN}/post`, method: 'POST', body: 'hello body',
        headers: [{ name: 'x-custom-header', value: 'v1' }, { name: 'Host', value: 'example.test' }, { name: 'Content-Type', value: 'text/plain' }],
        successCondition: 'fromJSON(response.body).data == request.body && request.headers["x-custom-header"][0] == "v1"',
      },
    },
    [id('bytes')]: { http: { url: `${HTTPBIN}/anything`, method: 'PUT', bodyFrom: { bytes: Buffer.from('raw bytes').toString('base64') } } },
    [id('gzip')]: { http: { url: `${HTTPBIN}/gzip`, successCondition: 'fromJSON(response.body).gzipped == true && !("Content-Encoding" in response.headers)' } },
    [id('timeout')]: { http: { url: `${HTTPBIN}/delay/5`, timeoutSeconds: 1 } },
    [id('refused')]: { http: { url: 'http://127.0.0.1:1/x' } },
    [id('container')]: { container: { name: 'main', image: 'x' } },
    [id('redirect')]: { http: { url: `${HTTPBIN}/redirect-to?url=%2Fanything&status_code=302`, method: 'POST', body: 'dropped' } },
    [id('redirect-307')]: { http: { url: `${HTTPBIN}/redirect-to?url=%2Fanything&status_code=307`, method: 'POST', body: 'kept', headers: [{ name: 'Content-Type', value: 'text/plain' }] } },
    [id('too-many')]: { http: { url: `${HTTPBIN}/relative-redirect/11` } },
    [id('tls-verify')]: { http: { url: `${APISERVER}/healthz` } },
    [id('tls-skip')]: { http: { url: `${APISERVER}/healthz`, insecureSkipVerify: true } },
  });
  const started = Date.now();
  const run = await startAgent(wf);
  const all = ['created', 'created-no-cond', 'false', 'header', 'not-bool', 'unsupported', 'unknown-name', 'post', 'bytes', 'gzip', 'timeout', 'refused', 'container', 'redirect', 'redirect-307', 'too-many', 'tls-verify', 'tls-skip'].map(id);
  const nodes = await waitForNodes(wf, all);
  assert.ok(Date.now() - started < 8000, 'the 1 s timeout cut the 5 s delay');
  await markCompleted(wf);
  const r = await finish(run);
  assert.equal(r.code, 0, r.stderr);

  assert.deepEqual(nodes[id('created')], { phase: 'Succeeded', outputs: { result: '' } });
  assert.deepEqual(nodes[id('created-no-cond')], { phase: 'Succeeded', outputs: { result: '' } });
  assert.deepEqual(nodes[id('false')], { phase: 'Failed', message: 'successCondition \'response.body contains "nope"\' evaluated false', outputs: { result: 'hello' } });
  assert.equal(nodes[id('header')].phase, 'Succeeded', JSON.stringify(nodes[id('header')]));
  assert.deepEqual(nodes[id('not-bool')], { phase: 'Failed', message: 'unable to cast expression result \'%!s(int=200)\' to bool' });
  // expr-lang itself (Go reference: test/engines/http-condition.test.ts): a closure over an http.Header fails at run time.
  assert.deepEqual(nodes[id('unsupported')], {
    phase: 'Failed',
    message: "unable to evaluate expression 'all(response.headers, {# != nil})': reflect: call of reflect.Value.Index on map Value (1:24)\n | all(response.headers, {# != nil})\n | .......................^",
  });
  assert.deepEqual(nodes[id('unknown-name')], { phase: 'Failed', message: 'unknown name resp (1:1)\n | resp.statusCode == 200\n | ^' });

  assert.equal(nodes[id('post')].phase, 'Succeeded', JSON.stringify(nodes[id('post')]));
  const echo = JSON.parse(nodes[id('post')].outputs.result);
  assert.equal(echo.method, 'POST');
  assert.equal(echo.data, 'hello body');
  assert.deepEqual(echo.headers.Host, ['example.test'], 'a Host header sets the request host');
  assert.deepEqual(echo.headers['X-Custom-Header'], ['v1']);
  assert.deepEqual(echo.headers['Content-Type'], ['text/plain']);
  assert.deepEqual(echo.headers['User-Agent'], ['Go-http-client/1.1']);
  const bytes = JSON.parse(nodes[id('bytes')].outputs.result);
  assert.equal(bytes.method, 'PUT');
  assert.equal(bytes.data, `data:application/octet-stream;base64,${Buffer.from('raw bytes').toString('base64')}`, 'the bytes, sent without a Content-Type (go-httpbin shows them as a data URL)');
  assert.equal(nodes[id('gzip')].phase, 'Succeeded', JSON.stringify(nodes[id('gzip')]));

  assert.deepEqual(nodes[id('timeout')], { phase: 'Failed', message: `Get "${HTTPBIN}/delay/5": context deadline exceeded` });
  assert.deepEqual(nodes[id('refused')], { phase: 'Failed', message: 'Get "http://127.0.0.1:1/x": dial tcp 127.0.0.1:1: connect: connection refused' });
  const r302 = JSON.parse(nodes[id('redirect')].outputs.result);
  assert.deepEqual([r302.method, r302.data], ['GET', ''], '302 turns a POST into a body-less GET');
  const r307 = JSON.parse(nodes[id('redirect-307')].outputs.result);
  assert.deepEqual([r307.method, r307.data], ['POST', 'kept'], '307 re-sends method and body');
  assert.deepEqual(nodes[id('too-many')], { phase: 'Failed', message: 'Get "/relative-redirect/1": stopped after 10 redirects' });
  assert.deepEqual(nodes[id('tls-verify')], { phase: 'Failed', message: `Get "${APISERVER}/healthz": tls: failed to verify certificate: x509: certificate signed by unknown authority` });
  assert.deepEqual(nodes[id('tls-skip')], { phase: 'Succeeded', outputs: { result: 'ok' } });
  assert.deepEqual(nodes[id('container')], { phase: 'Error', message: 'error processing task: agent cannot execute: unknown task type: Container' });
  await deleteTaskSet(wf);
});

test('10.4, 11: a header from a secret (GET secret as the ServiceAccount): value sent; Forbidden and a missing key fail the task', async () => {
  const wf = `agent-${rand()}`;
  const secret = `agent-hdr-${rand()}`;
  const denied = `agent-denied-${rand()}`;
  const role = `agent-secret-${rand()}`;
  const rbac = `/apis/rbac.authorization.k8s.io/v1/namespaces/${NAMESPACE}`;
  for (const name of [secret, denied]) {
    const s = await admin.req('POST', `/api/v1/namespaces/${NAMESPACE}/secrets`, { apiVersion: 'v1', kind: 'Secret', metadata: { name }, stringData: { token: `s3cr3t-${name}` } });
    assert.equal(s.status, 201, s.text);
  }
  // The quick-start agent Role has no secrets access (lifecycle §11): grant `get` on one secret only.
  assert.equal((await admin.req('POST', `${rbac}/roles`, { metadata: { name: role }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: [secret] }] })).status, 201);
  assert.equal((await admin.req('POST', `${rbac}/rolebindings`, {
    metadata: { name: role }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role }, subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: NAMESPACE }],
  })).status, 201);
  try {
    const hdr = (name: string, key: string): unknown => ({ name: 'X-Token', valueFrom: { secretKeyRef: { name, key } } });
    await createTaskSet(wf, {
      [`${wf}-ok`]: { http: { url: `${HTTPBIN}/headers`, headers: [hdr(secret, 'token'), { name: 'X-Plain', value: 'p' }], successCondition: '"X-Token" not in request.headers && request.headers["X-Plain"][0] == "p" && len(request.headers["X-Plain"]) == 1' } },
      [`${wf}-forbidden`]: { http: { url: `${HTTPBIN}/headers`, headers: [hdr(denied, 'token')] } },
      [`${wf}-nokey`]: { http: { url: `${HTTPBIN}/headers`, headers: [hdr(secret, 'nope')] } },
    });
    const run = await startAgent(wf);
    const nodes = await waitForNodes(wf, [`${wf}-ok`, `${wf}-forbidden`, `${wf}-nokey`]);
    await deleteTaskSet(wf);
    const r = await finish(run);
    assert.equal(r.code, 0, `a deleted task set ends the agent: ${r.stderr}`);
    assert.match(r.stderr, /msg="TaskSet Event" argo=true event_type=DELETED/);
    assert.equal(nodes[`${wf}-ok`].phase, 'Succeeded', JSON.stringify(nodes[`${wf}-ok`]));
    assert.deepEqual(JSON.parse(nodes[`${wf}-ok`].outputs.result).headers['X-Token'], [`s3cr3t-${secret}`]);
    assert.deepEqual(nodes[`${wf}-forbidden`], {
      phase: 'Failed',
      message: `secrets "${denied}" is forbidden: User "system:serviceaccount:${NAMESPACE}:default" cannot get resource "secrets" in API group "" in the namespace "${NAMESPACE}"`,
    });
    assert.deepEqual(nodes[`${wf}-nokey`], { phase: 'Failed', message: `secret '${secret}' does not have the key 'nope'` });
    const secretGets = run.proxy.requests.filter((q) => q.path.startsWith(`/api/v1/namespaces/${NAMESPACE}/secrets/`)).map((q) => `${q.method} ${q.path} ${q.status}`).sort();
    assert.deepEqual(secretGets, [
      `GET /api/v1/namespaces/${NAMESPACE}/secrets/${denied} 403`,
      `GET /api/v1/namespaces/${NAMESPACE}/secrets/${secret} 200`,
      `GET /api/v1/namespaces/${NAMESPACE}/secrets/${secret} 200`,
    ]);
  } finally {
    await admin.req('DELETE', `${rbac}/rolebindings/${role}`);
    await admin.req('DELETE', `${rbac}/roles/${role}`);
    for (const name of [secret, denied]) await admin.req('DELETE', `/api/v1/namespaces/${NAMESPACE}/secrets/${name}`);
    await deleteTaskSet(wf);
  }
});

test('10.4: a task is executed once, although every MODIFIED event lists it again; tasks added later are picked up', async () => {
  const wf = `agent-${rand()}`;
  let hits = 0;
  const server = createServer((req, res) => { hits++; req.resume(); res.end(`hit ${req.url}`); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await createTaskSet(wf, { [`${wf}-a`]: { http: { url: `${url}/a` } } });
  const run = await startAgent(wf, { ARGO_AGENT_PATCH_RATE: '300ms' });
  await waitForNodes(wf, [`${wf}-a`]);
  const add = await admin.req('PATCH', `${WFTS}/${wf}`, { spec: { tasks: { [`${wf}-b`]: { http: { url: `${url}/b` } } } } }, 'application/merge-patch+json');
  assert.equal(add.status, 200, add.text);
  const nodes = await waitForNodes(wf, [`${wf}-b`]);
  await sleep(800);
  await markCompleted(wf);
  const r = await finish(run);
  server.close();
  assert.equal(r.code, 0, r.stderr);
  assert.equal(hits, 2, 'each endpoint called exactly once');
  assert.deepEqual(nodes[`${wf}-b`], { phase: 'Succeeded', outputs: { result: 'hit /b' } });
  assert.match(r.stderr, /msg="Task is already considered"/);
  assert.deepEqual(patches(run.proxy, wf), [
    `{"status":{"nodes":{"${wf}-a":{"phase":"Succeeded","outputs":{"result":"hit /a"}}}}}`,
    `{"status":{"nodes":{"${wf}-b":{"phase":"Succeeded","outputs":{"result":"hit /b"}}}}}`,
  ]);
  await deleteTaskSet(wf);
});

test('10.4: a non-transient patch failure turns the results into Error nodes, sent at the next tick', async () => {
  const wf = `agent-${rand()}`;
  await createTaskSet(wf, { [`${wf}-a`]: { http: { url: `${HTTPBIN}/base64/b2s=` } } });
  const run = await startAgent(wf, { ARGO_AGENT_PATCH_RATE: '300ms' });
  let failed = false;
  run.proxy.decide = (q) => {
    if (q.method === 'PATCH' && !failed) {
      failed = true;
      return { status: 422, body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Invalid', code: 422, message: 'WorkflowTaskSet.argoproj.io "x" is invalid: injected' } };
    }
    return 'forward';
  };
  const nodes = await waitForNodes(wf, [`${wf}-a`]);
  await markCompleted(wf);
  const r = await finish(run);
  assert.equal(r.code, 0, r.stderr);
  const message = 'HTTP request completed successfully but an error occurred when patching its result: WorkflowTaskSet.argoproj.io "x" is invalid: injected';
  assert.deepEqual(nodes[`${wf}-a`], { phase: 'Error', message });
  assert.deepEqual(patches(run.proxy, wf), [
    `{"status":{"nodes":{"${wf}-a":{"phase":"Succeeded","outputs":{"result":"ok"}}}}}`,
    `{"status":{"nodes":{"${wf}-a":{"phase":"Error","message":"${message.replace(/"/g, '\\"')}"}}}}`,
  ]);
  await deleteTaskSet(wf);
});

test('88: agent init creates a 0440 token of 32 characters per plugin (0770 directory); `null` creates nothing', async () => {
  const pod = new PodSim({ template: {} });
  try {
    const none = await pod.start('init', ['argoexec', 'agent', 'init', ...LOG_FLAGS], { ARGO_PLUGIN_NAMES: 'null', PATH: `${pod.executor.binDir}:/usr/bin:/bin` }).done;
    assert.equal(none.code, 0, none.stderr);
    assert.deepEqual(readdirSync(pod.path('var-run-argo')), []);
    const two = await pod.start('init', ['sh', '-c', `umask 022; exec argoexec agent init ${LOG_FLAGS.join(' ')}`], { ARGO_PLUGIN_NAMES: '["p","q"]', PATH: `${pod.executor.binDir}:/usr/bin:/bin` }).done;
    assert.equal(two.code, 0, two.stderr);
    for (const p of ['p', 'q']) {
      assert.equal(statSync(pod.path('var-run-argo', p)).mode & 0o7777, 0o750, 'mkdir 0770 under umask 022');
      const token = pod.path('var-run-argo', `${p}/token`);
      assert.equal(statSync(token).mode & 0o7777, 0o440);
      assert.match(readFileSync(token, 'utf8'), /^[bcdfghjklmnpqrstvwxz2456789]{32}$/);
    }
    assert.notEqual(readFileSync(pod.path('var-run-argo', 'p/token'), 'utf8'), readFileSync(pod.path('var-run-argo', 'q/token'), 'utf8'));
    assert.match(two.stderr, /msg="creating token file for plugin" argo=true plugin=p filename=\/var\/run\/argo\/p\/token/);
    const again = await pod.start('init', ['argoexec', 'agent', 'init'], { ARGO_PLUGIN_NAMES: '["p"]', PATH: `${pod.executor.binDir}:/usr/bin:/bin` }).done;
    assert.equal(again.code, 64);
    assert.equal(pod.terminationMessage('init'), 'mkdir /var/run/argo/p: file exists');
    const bad = await pod.start('init', ['argoexec', 'agent', 'init'], { ARGO_PLUGIN_NAMES: '', PATH: `${pod.executor.binDir}:/usr/bin:/bin` }).done;
    assert.equal(bad.code, 1, 'unparsable names are fatal');
    assert.match(bad.stderr, /Failed to unmarshal plugin names/);
  } finally {
    pod.cleanup();
  }
});

test('10.4: plugin tasks: token from agent init, template.execute request, first node wins, requeue until Succeeded', async () => {
  const wf = `agent-${rand()}`;
  const calls: { plugin: string; auth: string | undefined; body: any }[] = [];
  const servers = await Promise.all(['none', 'hello'].map(async (plugin) => {
    let n = 0;
    const s = createServer(async (req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = JSON.parse(Buffer.concat(chunks).toString());
      calls.push({ plugin, auth: req.headers.authorization, body });
      res.setHeader('Content-Type', 'application/json');
      if (plugin === 'none') { res.end('{}'); return; }
      if (body.template.plugin.hello.fail) { res.statusCode = 500; res.end('boom'); return; }
      n++;
      if (n === 1) res.end(JSON.stringify({ node: { phase: 'Running', message: 'working' }, requeue: '500ms' }));
      else res.end(JSON.stringify({ node: { outputs: { parameters: [{ value: 'v', extra: 'dropped', name: 'p' }, { name: 'n', value: 42 }] }, message: 'done', phase: 'Succeeded' } }));
    });
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    return s;
  }));
  const addresses = servers.map((s) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`);
  const pod = new PodSim({ template: {} }, { workflowName: wf });
  const init = await pod.start('init', ['argoexec', 'agent', 'init'], { ARGO_PLUGIN_NAMES: '["none-plugin","hello-plugin"]', PATH: `${pod.executor.binDir}:/usr/bin:/bin` }).done;
  assert.equal(init.code, 0, init.stderr);
  const tokens = ['none-plugin', 'hello-plugin'].map((n) => readFileSync(pod.path('var-run-argo', `${n}/token`), 'utf8'));
  await createTaskSet(wf, {
    [`${wf}-p`]: { name: 'tmpl', plugin: { hello: { text: 'x' } } },
    [`${wf}-f`]: { name: 'tmpl', plugin: { hello: { fail: true } } },
  });
  const run = await startAgent(wf, {
    ARGO_PLUGIN_ADDRESSES: JSON.stringify(addresses), ARGO_PLUGIN_NAMES: '["none-plugin","hello-plugin"]', ARGO_AGENT_PATCH_RATE: '300ms',
  }, pod);
  const end = Date.now() + 20_000;
  let nodes: Record<string, any> = {};
  while (Date.now() < end) {
    nodes = await taskSetNodes(wf);
    if (nodes[`${wf}-p`]?.phase === 'Succeeded' && nodes[`${wf}-f`]) break;
    await sleep(200);
  }
  await markCompleted(wf);
  const r = await finish(run);
  for (const s of servers) s.close();
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(nodes[`${wf}-p`], { phase: 'Succeeded', message: 'done', outputs: { parameters: [{ name: 'p', value: 'v' }, { name: 'n', value: '42' }] } });
  assert.ok(patches(run.proxy, wf).some((b) => b.includes(`"${wf}-p":{"phase":"Succeeded","message":"done","outputs":{"parameters":[{"name":"p","value":"v"},{"name":"n","value":"42"}]}}`)), 'Go\'s field order, AnyString as a string, unknown fields dropped');
  assert.deepEqual(nodes[`${wf}-f`], { phase: 'Failed', message: '500 Internal Server Error: boom' });
  const forP = calls.filter((c) => c.body.template.plugin.hello.text === 'x');
  assert.deepEqual(forP.map((c) => c.plugin), ['none', 'hello', 'none', 'hello'], 'every plugin in order until one returns a node; re-executed after requeue');
  assert.equal(forP[0]?.auth, `Bearer ${tokens[0]}`);
  assert.equal(forP[1]?.auth, `Bearer ${tokens[1]}`);
  assert.deepEqual(forP[1]?.body, { workflow: { metadata: { name: wf, namespace: NAMESPACE, uid: '0b7d5e54-1111-4222-8333-444455556666' } }, template: { name: 'tmpl', plugin: { hello: { text: 'x' } } } });
  assert.ok(patches(run.proxy, wf).some((b) => b.includes(`"${wf}-p":{"phase":"Running","message":"working"}`)), 'the Running node is reported too');
  await deleteTaskSet(wf);
});

test('10.4: missing ARGO_WORKFLOW_NAME is fatal (exit 1); a Forbidden watch exits 64 with the apiserver\'s message', async () => {
  const pod = new PodSim({ template: {} });
  try {
    const base = { ARGO_PLUGIN_ADDRESSES: '[]', ARGO_PLUGIN_NAMES: 'null', KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: STACK.KUBE_APISERVER_URL ? new URL(STACK.KUBE_APISERVER_URL).port : '6443', PATH: `${pod.executor.binDir}:/usr/bin:/bin` };
    const noName = await pod.start('wait', ['argoexec', 'agent', 'main'], { ...base, ARGO_WORKFLOW_UID: 'u' }).done;
    assert.equal(noName.code, 1, noName.stderr);
    assert.match(noName.stderr, /Unable to determine workflow name from environment variable ARGO_WORKFLOW_NAME/);
    const forbidden = await pod.start('wait', ['argoexec', 'agent', 'main', '--namespace', 'default'], { ...base, ARGO_WORKFLOW_NAME: 'w', ARGO_WORKFLOW_UID: 'u' }).done;
    assert.equal(forbidden.code, 64, forbidden.stderr);
    assert.equal(pod.terminationMessage('wait'), 'workflowtasksets.argoproj.io "w" is forbidden: User "system:serviceaccount:argo:default" cannot watch resource "workflowtasksets" in API group "argoproj.io" in the namespace "default"');
  } finally {
    pod.cleanup();
  }
});

test('10.4: HTTP_PROXY / NO_PROXY as Go\'s default client: proxied, except NO_PROXY hosts and loopback', async () => {
  const wf = `agent-${rand()}`;
  const seen: string[] = [];
  const upstream = new URL(HTTPBIN);
  const proxy = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const target = new URL(req.url ?? '/');
    const up = httpRequest({ hostname: upstream.hostname, port: upstream.port, method: req.method, path: `${target.pathname}${target.search}`, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => { res.writeHead(502); res.end(); });
    req.pipe(up);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
  const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  await createTaskSet(wf, {
    [`${wf}-proxied`]: { http: { url: 'http://httpbin.agent.invalid/base64/cHJveGllZA==' } },
    [`${wf}-no-proxy`]: { http: { url: 'http://direct.agent.invalid/base64/eA==' } },
    [`${wf}-loopback`]: { http: { url: `${HTTPBIN}/base64/bG9vcGJhY2s=` } },
  });
  const run = await startAgent(wf, { HTTP_PROXY: proxyUrl, NO_PROXY: 'direct.agent.invalid' });
  const nodes = await waitForNodes(wf, [`${wf}-proxied`, `${wf}-no-proxy`, `${wf}-loopback`]);
  await markCompleted(wf);
  const r = await finish(run);
  proxy.close();
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(nodes[`${wf}-proxied`], { phase: 'Succeeded', outputs: { result: 'proxied' } });
  assert.deepEqual(nodes[`${wf}-loopback`], { phase: 'Succeeded', outputs: { result: 'loopback' } });
  assert.equal(nodes[`${wf}-no-proxy`].phase, 'Failed');
  assert.match(nodes[`${wf}-no-proxy`].message, /^Get "http:\/\/direct\.agent\.invalid\/base64\/eA==": dial tcp: lookup direct\.agent\.invalid.*: no such host$/);
  assert.deepEqual(seen, ['GET http://httpbin.agent.invalid/base64/cHJveGllZA==']);
  await deleteTaskSet(wf);
});

test('10.4: SIGTERM cancels the watch: exit 64 with client-go\'s `Get "<watch url>": context canceled`', async () => {
  const wf = `agent-${rand()}`;
  await createTaskSet(wf, {});
  const proxy = await ApiRecorder.start();
  const pod = new PodSim({ template: {} }, { workflowName: wf });
  writeFileSync(pod.path('sa', 'ca.crt'), proxy.caPem);
  const running = pod.start('wait', ['argoexec', 'agent', 'main', ...LOG_FLAGS], {
    ARGO_WORKFLOW_NAME: wf, ARGO_WORKFLOW_UID: 'u', ARGO_PLUGIN_ADDRESSES: '[]', ARGO_PLUGIN_NAMES: 'null',
    KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(proxy.port), PATH: `${pod.executor.binDir}:/usr/bin:/bin`,
  });
  const end = Date.now() + 10_000;
  while (!proxy.requests.some((q) => q.path.includes('watch=true')) && Date.now() < end) await sleep(50);
  await sleep(300);
  process.kill(running.pid1(), 'SIGTERM');
  const r = await running.done;
  const termination = pod.terminationMessage('wait');
  const port = proxy.port;
  await proxy.close();
  pod.cleanup();
  await deleteTaskSet(wf);
  assert.equal(r.code, 64, r.stderr);
  assert.equal(termination, `Get "https://127.0.0.1:${port}${WFTS}?fieldSelector=metadata.name%3D${wf}&watch=true": context canceled`);
});
