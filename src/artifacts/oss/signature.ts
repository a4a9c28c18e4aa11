/**
 * OSS request signing, version 1 (the scheme aliyun-oss-go-sdk v3.0.2 — argoexec v4.1.2's OSS client — uses by
 * default: conf.go `AuthVersion = AuthV1`, auth.go getSignedStr). Pure functions, no I/O.
 *
 *   Authorization: OSS <AccessKeyId>:base64(HMAC-SHA1(secret, StringToSign))
 *   StringToSign = VERB \n Content-MD5 \n Content-Type \n Date \n CanonicalizedOSSHeaders CanonicalizedResource
 *
 * CanonicalizedOSSHeaders: every `x-oss-*` header, lower-cased, sorted, `name:value\n`. CanonicalizedResource:
 * `/<bucket>/<key>` (the raw key), `/<bucket>/` for bucket requests, `/` for service requests, followed by
 * `?` and the sorted sub-resources from OSS's list of signed parameters (`name` or `name=value`, values raw).
 */
import { createHmac } from 'node:crypto';

/** Query parameters that take part in the signature (the SDK's signKeyList, the ones any executor may send). */
export const SIGNED_PARAMS = new Set([
  'acl', 'uploads', 'location', 'cors', 'logging', 'website', 'referer', 'lifecycle', 'delete', 'append', 'tagging',
  'objectMeta', 'uploadId', 'partNumber', 'security-token', 'position', 'img', 'style', 'styleName', 'replication',
  'replicationProgress', 'replicationLocation', 'cname', 'bucketInfo', 'comp', 'qos', 'live', 'status', 'vod',
  'startTime', 'endTime', 'symlink', 'x-oss-process', 'response-content-type', 'x-oss-traffic-limit',
  'response-content-language', 'response-expires', 'response-cache-control', 'response-content-disposition',
  'response-content-encoding', 'udf', 'udfName', 'udfImage', 'udfId', 'udfImageDesc', 'udfApplication',
  'udfApplicationLog', 'restore', 'callback', 'callback-var', 'qosInfo', 'policy', 'stat', 'encryption', 'versions',
  'versioning', 'versionId', 'requestPayment', 'x-oss-request-payer', 'sequential', 'inventory', 'inventoryId',
  'continuation-token', 'asyncFetch', 'worm', 'wormId', 'wormExtend', 'withHashContext', 'x-oss-enable-md5',
  'x-oss-enable-sha1', 'x-oss-enable-sha256', 'x-oss-hash-ctx', 'x-oss-md5-ctx', 'transferAcceleration',
  'regionList', 'cloudboxes', 'x-oss-ac-source-ip', 'x-oss-ac-subnet-mask', 'x-oss-ac-vpc-id',
  'x-oss-ac-forward-allow', 'metaQuery', 'resourceGroup', 'rtc', 'x-oss-async-process', 'responseHeader',
]);

/** Go's url.QueryEscape with `+` → `%20` (how the SDK escapes object keys in paths and parameter values). */
export function goQueryEscape(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Query parameters as the SDK orders them: sorted by name; `null`/'' values written without `=`. */
export type Params = Record<string, string | null>;

export function queryString(params: Params): string {
  return Object.keys(params).sort().map((k) => {
    const v = params[k];
    return v === null || v === undefined || v === '' ? goQueryEscape(k) : `${goQueryEscape(k)}=${goQueryEscape(v)}`;
  }).join('&');
}

export function canonicalResource(bucket: string, key: string, params: Params): string {
  const sub = Object.keys(params).filter((k) => SIGNED_PARAMS.has(k)).sort()
    .map((k) => { const v = params[k]; return v === null || v === undefined ? k : v === '' ? k : `${k}=${v}`; })
    .join('&');
  const base = bucket === '' ? '/' : `/${bucket}/${key}`;
  return sub === '' ? base : `${base}?${sub}`;
}

/** Header names are matched case-insensitively; values as sent. */
export function stringToSign(method: string, headers: Record<string, string>, resource: string): string {
  const lower = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const oss = [...lower.keys()].filter((k) => k.startsWith('x-oss-')).sort().map((k) => `${k}:${lower.get(k)}\n`).join('');
  return `${method}\n${lower.get('content-md5') ?? ''}\n${lower.get('content-type') ?? ''}\n${lower.get('date') ?? ''}\n${oss}${resource}`;
}

export function signV1(secret: string, toSign: string): string {
  return createHmac('sha1', secret).update(toSign, 'utf8').digest('base64');
}

export function authorization(accessKeyId: string, secret: string, method: string, headers: Record<string, string>, resource: string): string {
  return `OSS ${accessKeyId}:${signV1(secret, stringToSign(method, headers, resource))}`;
}
