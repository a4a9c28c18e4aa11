/** The `sshPrivateKeySecret` key as ssh2 takes it, with the errors x/crypto's ssh.ParsePrivateKey gives. */
import { createPrivateKey } from 'node:crypto';
import ssh2 from 'ssh2';
import type { ParsedKey } from 'ssh2';

/**
 * x/crypto's ssh.ParsePrivateKey, as far as its errors go: the key text as ssh2 takes it (PKCS#8 re-encoded), or an
 * error with Go's text.
 */
export function parsePrivateKey(pem: string): string {
  let text = pem;
  let parsed = ssh2.utils.parseKey(pem);
  if (parsed instanceof Error && /BEGIN (ENCRYPTED )?PRIVATE KEY/.test(pem)) {
    // PKCS#8, which Go accepts and ssh2 does not: re-encode RSA and EC keys in their traditional PEM form.
    if (pem.includes('BEGIN ENCRYPTED PRIVATE KEY')) throw new Error('ssh: this private key is passphrase protected');
    try {
      const k = createPrivateKey(pem);
      if (k.asymmetricKeyType === 'rsa') text = k.export({ format: 'pem', type: 'pkcs1' }) as string;
      else if (k.asymmetricKeyType === 'ec') text = k.export({ format: 'pem', type: 'sec1' }) as string;
      else throw new Error(`ssh: unsupported key type "${k.asymmetricKeyType ?? ''}"`);
      parsed = ssh2.utils.parseKey(text);
    } catch (err) {
      if ((err as Error).message.startsWith('ssh: ')) throw err;
      throw new Error('ssh: no key found');
    }
  }
  if (Array.isArray(parsed)) parsed = parsed[0] as ParsedKey;
  if (parsed instanceof Error) {
    const m = parsed.message;
    if (/passphrase|encrypted/i.test(m) || /Proc-Type: 4,ENCRYPTED/.test(pem)) throw new Error('ssh: this private key is passphrase protected');
    if (!/-----BEGIN /.test(pem)) throw new Error('ssh: no key found');
    const t = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(pem)?.[1] ?? '';
    if (t === 'OPENSSH PRIVATE KEY' || t === 'RSA PRIVATE KEY' || t === 'EC PRIVATE KEY' || t === 'DSA PRIVATE KEY') throw new Error(`ssh: failed to parse ${t.toLowerCase()}`);
    throw new Error(`ssh: unsupported key type "${t}"`);
  }
  return text;
}
