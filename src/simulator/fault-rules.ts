/**
 * A fault to inject into matching requests. Partner requests meet faults after authentication
 * and rate limiting, as a failing backend would behind CTCT's gateway.
 */
export type FaultRule = {
  /** 'GET' | 'POST' | 'PUT' …; default any. */
  method?: string;
  /**
   * Matched against the URL path without the query. A string matches exactly, except that a
   * `{name}` segment matches any one segment; a RegExp is tested. Default: any partner path
   * (never the token endpoint unless the path says so).
   */
  path?: string | RegExp;
  /** How many matching requests it affects; default 1; Infinity allowed. */
  times?: number;
} & (
  | { kind: 'status'; status: number; body?: unknown }
  | { kind: 'drop-after-store' }
  | { kind: 'drop' }
  | { kind: 'provision-later' }
  | { kind: 'latency'; ms: number }
);

/** Rules that decide the answer (every kind but latency). */
export type OutcomeFault = Exclude<FaultRule, { kind: 'latency' }>;

/** What the faults say about one request. */
export interface FaultDecision {
  /** Total added latency (every matching latency rule counts). */
  latencyMs: number;
  /** The first matching rule of another kind, if any. */
  outcome?: OutcomeFault;
}

export const FAULT_SPEC_HELP = `Fault spec: "METHOD PATH ACTION [xN]"
  METHOD  GET, POST, PUT, … or * for any
  PATH    * for any partner path; a plain path such as /v3/partner/accounts or
          /v3/partner/accounts/{id}/plan matches exactly ({name} is any one segment);
          anything with regex characters (^ $ * + ? ( ) [ ] | \\) is a regular expression,
          e.g. /plan$ ; the token endpoint is affected only when PATH names it
  ACTION  a status code (500, 502, 503, 504, 429 …) answered with a CTCT-shaped body
          (503 on POST /v3/partner/accounts stores the create, as the spec says, and the
          account appears after --provision-delay; --create-503 nothing stores nothing);
          drop (close the connection without acting); drop-after-store (act, then close
          without answering); provision-later (POST /v3/partner/accounts: answer 503 and
          create the account later, whatever --create-503 says); latency:MS (delay the answer)
  xN      how many matching requests it affects (default x1); x* for all
Examples: "POST /v3/partner/accounts 503 x2"  "PUT /plan$ 500 x3"
          "POST /v3/partner/accounts drop-after-store"  "* * latency:50 x*"`;

const REGEX_CHARS = /[\^$*+?()[\]|\\]/;

/** Parse the command-line form of a fault, documented in FAULT_SPEC_HELP. */
export function parseFaultSpec(spec: string): FaultRule {
  const words = spec.trim().split(/\s+/);
  const fail = (why: string): never => {
    throw new Error(`invalid fault spec "${spec}": ${why}\n${FAULT_SPEC_HELP}`);
  };
  if (words.length < 3 || words.length > 4) fail('expected METHOD PATH ACTION [xN]');
  const [method, path, action, count] = words as [string, string, string, string | undefined];

  let times = 1;
  if (count !== undefined) {
    if (count === 'x*') times = Infinity;
    else if (/^x[1-9]\d*$/.test(count)) times = Number(count.slice(1));
    else fail(`count "${count}" must be xN (N ≥ 1) or x*`);
  }
  const base: { method?: string; path?: string | RegExp; times: number } = { times };
  if (method !== '*') {
    if (!/^[A-Za-z]+$/.test(method)) fail(`method "${method}" must be a word such as GET or *`);
    base.method = method.toUpperCase();
  }
  if (path !== '*') {
    if (REGEX_CHARS.test(path)) {
      try {
        base.path = new RegExp(path);
      } catch (error) {
        fail(`path "${path}" is not a regular expression: ${(error as Error).message}`);
      }
    } else if (path.startsWith('/')) base.path = path;
    else fail(`path "${path}" must start with / or be *`);
  }

  if (/^[1-5]\d\d$/.test(action)) return { ...base, kind: 'status', status: Number(action) };
  if (action === 'drop' || action === 'drop-after-store' || action === 'provision-later')
    return { ...base, kind: action };
  const latency = /^latency:(\d+)$/.exec(action);
  if (latency) return { ...base, kind: 'latency', ms: Number(latency[1]) };
  return fail(`action "${action}" must be a status code, drop, drop-after-store, provision-later or latency:MS`);
}

function matchesPath(rule: FaultRule, path: string): boolean {
  if (rule.path === undefined) return path.startsWith('/v3/partner/');
  if (rule.path instanceof RegExp) {
    rule.path.lastIndex = 0;
    return rule.path.test(path);
  }
  if (!rule.path.includes('{')) return rule.path === path;
  const ruleSegments = rule.path.split('/');
  const segments = path.split('/');
  return (
    ruleSegments.length === segments.length && ruleSegments.every((s, i) => /^\{[^/]*\}$/.test(s) || s === segments[i])
  );
}

/**
 * What a `503` fault on POST /partner/accounts does. `stored`, as the spec says
 * (ctct-v3-partner-subset-3.0.178.yaml:102-104): "the client account provision data is stored
 * and processed when provisioning becomes available". `nothing`: the 503 stores nothing.
 */
export type Create503 = 'stored' | 'nothing';

/** The active fault rules, each used up after `times` matching requests. */
export class FaultSet {
  private rules: Array<{ rule: FaultRule; left: number }> = [];

  constructor(private readonly create503: Create503 = 'stored') {}

  add(rule: FaultRule): void {
    const times = rule.times ?? 1;
    if (!(times > 0)) throw new Error(`fault rule times must be positive, got ${times}`);
    if (rule.kind === 'latency' && !(rule.ms >= 0)) throw new Error(`latency must be at least 0 ms, got ${rule.ms}`);
    this.rules.push({ rule, left: times });
  }

  clear(): void {
    this.rules = [];
  }

  /** Consume the rules that match this request. `isCreate`: provision-later applies only to creates. */
  take(method: string, path: string, isCreate: boolean): FaultDecision {
    const decision: FaultDecision = { latencyMs: 0 };
    for (const entry of this.rules) {
      const { rule } = entry;
      if (
        entry.left <= 0 ||
        (rule.method !== undefined && rule.method.toUpperCase() !== method) ||
        !matchesPath(rule, path)
      )
        continue;
      if (rule.kind === 'provision-later' && !isCreate) continue;
      if (rule.kind === 'latency') decision.latencyMs += rule.ms;
      else if (decision.outcome) continue;
      else decision.outcome = rule;
      entry.left -= 1;
    }
    this.rules = this.rules.filter((e) => e.left > 0);
    const outcome = decision.outcome;
    if (isCreate && this.create503 === 'stored' && outcome?.kind === 'status' && outcome.status === 503)
      decision.outcome = { kind: 'provision-later' };
    return decision;
  }
}
