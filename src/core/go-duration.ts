/** Go's time.ParseDuration ("1m30s", "-1.5h", "300ms"), in milliseconds. */
const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseGoDuration(input: string): number {
  const fail = (): never => { throw new Error(`time: invalid duration ${JSON.stringify(input)}`); };
  let s = input;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') fail();
  let total = 0;
  const re = /^(\d*\.?\d*)(ns|us|µs|μs|ms|s|m|h)/;
  while (s.length > 0) {
    const m = re.exec(s);
    if (!m || m[1] === '' || m[1] === '.') {
      if (/^\d*\.?\d*$/.test(s)) throw new Error(`time: missing unit in duration ${JSON.stringify(input)}`);
      fail();
    }
    total += Number((m as RegExpExecArray)[1]) * (UNITS[(m as RegExpExecArray)[2] as string] as number);
    s = s.slice((m as RegExpExecArray)[0].length);
  }
  return sign * total;
}

/** Render milliseconds as Go's Duration.String() for whole-unit values used in messages ("30s", "1m0s"). */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  const neg = ms < 0;
  let rest = Math.abs(ms);
  if (rest < 1000) return `${neg ? '-' : ''}${rest}ms`;
  const h = Math.floor(rest / 3_600_000); rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000); rest -= m * 60_000;
  const s = rest / 1000;
  let out = '';
  if (h > 0) out += `${h}h`;
  if (h > 0 || m > 0) out += `${m}m`;
  out += `${s}s`;
  return (neg ? '-' : '') + out;
}
