// Creates a blob container on Azurite with SharedKey auth (no SDK needed).
// Usage: node stack/azure-container.mjs ACCOUNT_URL ACCOUNT KEY CONTAINER
// ACCOUNT_URL is path-style, e.g. http://127.0.0.1:10000/azurite. Exit 0 if created or already there.
import { createHmac } from 'node:crypto';

const [accountUrl, account, key, container] = process.argv.slice(2);
if (!container) {
  console.error('usage: azure-container.mjs ACCOUNT_URL ACCOUNT KEY CONTAINER');
  process.exit(2);
}
const url = new URL(`${accountUrl.replace(/\/$/, '')}/${container}?restype=container`);
const headers = { 'x-ms-date': new Date().toUTCString(), 'x-ms-version': '2021-12-02' };
const canonHeaders = Object.keys(headers).sort().map((h) => `${h}:${headers[h]}\n`).join('');
const params = [...url.searchParams.entries()].sort(([a], [b]) => a.localeCompare(b));
const canonResource = `/${account}${url.pathname}` + params.map(([k, v]) => `\n${k.toLowerCase()}:${v}`).join('');
const stringToSign = ['PUT', '', '', '', '', '', '', '', '', '', '', ''].join('\n') + '\n' + canonHeaders + canonResource;
const sig = createHmac('sha256', Buffer.from(key, 'base64')).update(stringToSign, 'utf8').digest('base64');
const res = await fetch(url, { method: 'PUT', headers: { ...headers, Authorization: `SharedKey ${account}:${sig}` } });
const body = await res.text();
if (res.status === 201 || res.status === 409) {
  console.log(`container ${container}: HTTP ${res.status}`);
} else {
  console.error(`creating container ${container} at ${url}: HTTP ${res.status}\n${body}`);
  process.exit(1);
}
