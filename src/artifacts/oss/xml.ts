/**
 * The little XML OSS speaks: flat elements read by name, text escaped as Go's encoding/xml escapes it. Enough for
 * the responses the driver reads (errors, listings, multipart ids) and the bodies it sends.
 */

/** Text of every `<tag>…</tag>` in `xml`, unescaped, in document order. */
export function texts(xml: string, tag: string): string[] {
  const out: string[] = [];
  const re = new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>|<${tag}(?:\\s[^>]*)?/>`, 'g');
  for (const m of xml.matchAll(re)) out.push(unescapeXml(m[1] ?? ''));
  return out;
}

export function text(xml: string, tag: string): string | undefined {
  return texts(xml, tag)[0];
}

/** The inner XML of every `<tag>…</tag>` element (for repeated groups such as `<Contents>`). */
export function elements(xml: string, tag: string): string[] {
  return [...xml.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) => m[1] ?? '');
}

export function unescapeXml(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot|apos);/g, (_all, e: string) => {
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    return ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" } as Record<string, string>)[e] ?? '';
  });
}

/** encoding/xml EscapeText. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"'\t\n\r]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;', '\t': '&#x9;', '\n': '&#xA;', '\r': '&#xD;' })[c] ?? c);
}
