/** containerSet retry strategy (lifecycle §6.11): `retries` total attempts, constant `duration` between. */
import { formatGoDuration, parseGoDuration } from '../../core/go-duration.ts';
import type { Template } from '../../core/template.ts';

export interface Attempts { attempts: number; delayMs: number }

/** IntOrString.IntValue: numbers as-is, numeric strings parsed, anything else 0. */
function intValue(v: number | string): number {
  if (typeof v === 'number') return Math.trunc(v);
  return /^[-+]?\d+$/.test(v.trim()) ? parseInt(v, 10) : 0;
}

export function retryAttempts(t: Template): Attempts {
  const rs = t.containerSet?.retryStrategy;
  if (!rs || rs.retries === undefined || rs.retries === null) return { attempts: 1, delayMs: 0 };
  let delayMs = 0;
  if (rs.duration) {
    delayMs = parseGoDuration(rs.duration);
    if (delayMs < 0) throw new Error(`duration has to be positive, current duration: ${formatGoDuration(delayMs)} `);
  }
  return { attempts: intValue(rs.retries), delayMs };
}
