import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { AccountStore, readStateFile } from './account-store.js';
import { FaultSet, type Create503, type FaultRule } from './fault-rules.js';
import { TokenIssuer } from './partner-token.js';
import {
  matchPartnerRoute,
  runPartnerOperation,
  type PartnerContext,
  type PartnerOperation,
} from './partner-routes.js';
import { answerRateLimited, RateLimiter } from './rate-limiter.js';
import { checkPartnerAuth } from './sim-auth.js';
import { computeTokenPaths, DEFAULT_BEHAVIOUR, type SimulatorBehaviour } from './sim-behaviour.js';
import { listenSimServer, readBody, writeResponse } from './sim-server.js';
import { readSpecValidators } from './validate-spec-body.js';
import { computeSeedAccounts } from './compute-seed-accounts.js';
import type { SimAccount } from './sim-account.js';
import { answerStatus, type SimResponse } from './sim-response.js';
import { sleep } from '../sleep.js';

export type { Create503, FaultRule } from './fault-rules.js';
export { parseFaultSpec, FAULT_SPEC_HELP } from './fault-rules.js';
export type { SimAccount } from './sim-account.js';
export { COGNITO_TOKEN_PATH, DEFAULT_BEHAVIOUR, TOKEN_PATH, type SimulatorBehaviour } from './sim-behaviour.js';

/** Options of `startSimulator`; every one has a default. */
export interface SimulatorOptions {
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** Default 4; 0 = unlimited. Sliding one-second window per API key, answered with 429 `throttled`. */
  requestsPerSecond?: number;
  /** Default 10000; 0 = unlimited. Answered with 429 `quota_exceeded`; resets at 00:00 UTC of the simulator clock. */
  dailyQuota?: number;
  /** Default 3600. */
  tokenTtlSeconds?: number;
  /** Defaults: 'sim-api-key', 'sim-client-id', 'sim-partner-secret'. */
  credentials?: { apiKey: string; clientId: string; clientSecret: string };
  /** Loaded at start if it exists; written atomically (temporary file, then rename) after every mutation. */
  stateFile?: string;
  /** The accounts a new or empty state starts with (before `seed`). */
  accounts?: readonly SimAccount[];
  /** Generate this many accounts when the state is new or empty. */
  seed?: number;
  /**
   * How long a create answered 503 (a `503` or `provision-later` fault) waits before its account appears (default
   * 1000).
   */
  provisionDelayMs?: number;
  /** Accounts created through POST /partner/accounts get CTCT's "SSO for all users" feature (default false). */
  ssoForNewAccounts?: boolean;
  /**
   * What a `503` fault on POST /partner/accounts does. `stored` (default), as the spec says
   * (ctct-v3-partner-subset-3.0.178.yaml:102-104): "the client account provision data is stored
   * and processed when provisioning becomes available", after `provisionDelayMs`. `nothing`: the
   * 503 stores nothing, so the account never appears.
   */
  create503?: Create503;
  /** Clock in ms, for tests (default Date.now). */
  now?: () => number;
  /** Request log, one line per request; never carries secrets. */
  log?: (line: string) => void;
  /** How to read what CTCT's documents leave open; each unset one keeps {@link DEFAULT_BEHAVIOUR}. */
  behaviour?: Partial<SimulatorBehaviour>;
}

/** Live counters of a running simulator. */
export interface SimulatorStats {
  /** Every HTTP request received, token requests included. */
  requests: number;
  tokenRequests: number;
  /** Partner requests answered 429 `throttled` by the per-second limit (injected faults not counted). */
  throttled: number;
  /** Partner requests answered 429 `quota_exceeded`. */
  quotaExceeded: number;
  /** Requests that reached each operation (after authentication and rate limiting), and `token`. */
  byOperation: Record<string, number>;
  /** Partner requests being handled right now, and the most there ever were at once. */
  inFlight: number;
  maxInFlight: number;
  /**
   * Simulator-clock times (ms) at which partner requests passed the rate limiter, oldest first (at least the last
   * 100,000).
   */
  acceptedAt: number[];
}

/** A running simulator. */
export interface Simulator {
  /** e.g. http://127.0.0.1:PORT/v3 */
  baseUrl: string;
  /**
   * e.g. http://127.0.0.1:PORT/partners/oauth2/default/v1/token, mirroring authz.constantcontact.com (or Cognito's
   * /oauth2/token when only that is served).
   */
  tokenUrl: string;
  /** Every token URL served (see `SimulatorBehaviour.tokenPaths`). */
  tokenUrls: string[];
  /** The readings this simulator plays. */
  behaviour: Readonly<SimulatorBehaviour>;
  credentials: { apiKey: string; clientId: string; clientSecret: string };
  faults: { add(rule: FaultRule): void; clear(): void };
  stats: SimulatorStats;
  /** A copy of every account, in creation order. */
  accounts(): SimAccount[];
  /** A copy of the account with this login name, compared without regard to case as the simulator keeps them unique. */
  findByLogin(loginName: string): SimAccount | undefined;
  /** Make every token issued so far expire now. */
  expireTokens(): void;
  /** Provision every create stored after a 503 now, as CTCT does once provisioning is available; returns how many. */
  provisionStored(): number;
  close(): Promise<void>;
}

/** The simulator's own fake credentials, used unless `SimulatorOptions.credentials` says otherwise. */
export const DEFAULT_CREDENTIALS = {
  apiKey: 'sim-api-key',
  clientId: 'sim-client-id',
  clientSecret: 'sim-partner-secret',
} as const;

/**
 * Start the CTCT partner API simulator: the partner token endpoint and the `/v3/partner/...`
 * routes, with CTCT's rules, rate limits and injectable faults, on loopback.
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  readSpecValidators();
  const now = options.now ?? Date.now;
  const credentials = { ...(options.credentials ?? DEFAULT_CREDENTIALS) };
  const tokenTtlSeconds = options.tokenTtlSeconds ?? 3600;
  const provisionDelayMs = options.provisionDelayMs ?? 1000;
  const log = options.log;
  const behaviour: SimulatorBehaviour = { ...DEFAULT_BEHAVIOUR, ...definedOnly(options.behaviour) };
  const tokenPaths = computeTokenPaths(behaviour);
  const limiter = new RateLimiter(options.requestsPerSecond ?? 4, options.dailyQuota ?? 10_000);
  const faults = new FaultSet(options.create503);
  let origin = '';
  const tokens = new TokenIssuer(
    credentials.clientId,
    credentials.clientSecret,
    tokenTtlSeconds,
    () => `${origin}/partners/oauth2/default`,
    behaviour.requireScope,
  );
  const timers = new Set<NodeJS.Timeout>();
  const stats: SimulatorStats = {
    requests: 0,
    tokenRequests: 0,
    throttled: 0,
    quotaExceeded: 0,
    byOperation: {},
    inFlight: 0,
    maxInFlight: 0,
    acceptedAt: [],
  };

  const store = new AccountStore(options.stateFile);
  const saved = options.stateFile ? readStateFile(options.stateFile) : undefined;
  if (saved) store.load(saved);
  if (options.accounts !== undefined && store.size === 0)
    store.addMany(options.accounts.map((account) => structuredClone(account)));
  if ((options.seed ?? 0) > 0 && store.size === 0) {
    store.addMany(computeSeedAccounts(options.seed ?? 0, store.nextSeq(), (id) => store.isIdTaken(id)));
  }

  const scheduleProvision = (id: string, delayMs: number): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      store.completeProvision(id);
    }, delayMs);
    timers.add(timer);
  };
  for (const pending of store.pendingProvisions()) {
    scheduleProvision(pending.account.encoded_account_id, Math.max(0, pending.ready_at - now()));
  }

  /** Latency faults; a pending one is abandoned on close, its connection destroyed. */
  const shutdown = new AbortController();
  const delay = (ms: number): Promise<void> => (ms > 0 ? sleep(ms, shutdown.signal) : Promise.resolve());

  const count = (operation: string): void => {
    stats.byOperation[operation] = (stats.byOperation[operation] ?? 0) + 1;
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    stats.requests += 1;
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://simulator.invalid');
    const path = url.pathname;
    const isPartner = path.startsWith('/v3/');
    if (isPartner) {
      stats.inFlight += 1;
      stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
      res.once('close', () => {
        stats.inFlight -= 1;
      });
    }
    const finish = (response: SimResponse, note = ''): void => {
      writeResponse(res, response);
      log?.(`${method} ${path} ${response.status}${note} ${Date.now() - started}ms`);
    };
    const drop = (socket: Socket, note: string): void => {
      socket.destroy();
      log?.(`${method} ${path} dropped (${note}) ${Date.now() - started}ms`);
    };

    const rawBody = await readBody(req);
    if (rawBody === undefined) return finish(answerStatus(413));

    if (tokenPaths.includes(path)) {
      stats.tokenRequests += 1;
      count('token');
      const decision = faults.take(method, path, false);
      if (decision.outcome?.kind === 'drop') return drop(req.socket, 'fault');
      if (decision.outcome?.kind === 'status') return finish(faultResponse(decision.outcome), ' (fault)');
      const response = tokens.answer({
        method,
        contentType: req.headers['content-type'],
        authorization: req.headers.authorization,
        query: url.searchParams,
        rawBody,
        nowMs: now(),
      });
      if (decision.outcome?.kind === 'drop-after-store') return drop(req.socket, 'fault after acting');
      await delay(decision.latencyMs);
      return finish(response);
    }
    if (!isPartner) return finish(answerStatus(404));

    const unauthorized = checkPartnerAuth(req.headers, tokens, credentials.apiKey, behaviour, now());
    if (unauthorized) return finish(unauthorized);
    const nowMs = now();
    const limited = answerRateLimited(limiter, stats, String(req.headers['x-api-key']), nowMs);
    if (limited) return finish(limited);

    const route = matchPartnerRoute(method, path);
    const operation: PartnerOperation | undefined = 'operation' in route ? route.operation : undefined;
    if (operation) count(operation);
    const decision = faults.take(method, path, operation === 'createAccount');
    const outcome = decision.outcome;
    if (outcome?.kind === 'drop') return drop(req.socket, 'fault');
    if (outcome?.kind === 'status') {
      await delay(decision.latencyMs);
      return finish(faultResponse(outcome), ' (fault)');
    }

    let response: SimResponse;
    if ('operation' in route) {
      store.settle(nowMs);
      const ctx: PartnerContext = {
        store,
        nowMs,
        query: url.searchParams,
        contentType: req.headers['content-type'],
        rawBody,
        behaviour,
        ssoForNewAccounts: options.ssoForNewAccounts === true,
      };
      if (outcome?.kind === 'provision-later') {
        ctx.provisionLaterAt = nowMs + provisionDelayMs;
        ctx.onProvisionDeferred = (id) => scheduleProvision(id, provisionDelayMs);
      }
      response = runPartnerOperation(route, ctx);
    } else {
      response = route;
    }
    if (outcome?.kind === 'drop-after-store') return drop(req.socket, 'fault after acting');
    await delay(decision.latencyMs);
    finish(response, outcome?.kind === 'provision-later' ? ' (provision later)' : '');
  }

  const server = await listenSimServer(handle, {
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    aborted: () => shutdown.signal.aborted,
    log,
  });
  origin = server.origin;
  let closing: Promise<void> | undefined;
  const closeServer = async (): Promise<void> => {
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
    shutdown.abort();
    // A create answered 503 is stored and processed later (spec); finish it rather than lose it.
    for (const pending of store.pendingProvisions()) store.completeProvision(pending.account.encoded_account_id);
    await server.close();
  };

  return {
    baseUrl: `${origin}/v3`,
    tokenUrl: `${origin}${tokenPaths[0]}`,
    tokenUrls: tokenPaths.map((tokenPath) => `${origin}${tokenPath}`),
    behaviour,
    credentials,
    faults: { add: (rule) => faults.add(rule), clear: () => faults.clear() },
    stats,
    accounts() {
      store.settle(now());
      return structuredClone(store.all() as SimAccount[]);
    },
    findByLogin(loginName) {
      store.settle(now());
      const account = store.findByLogin(loginName);
      return account ? structuredClone(account) : undefined;
    },
    expireTokens() {
      tokens.expireAll();
    },
    provisionStored() {
      return store.pendingProvisions().filter((p) => store.completeProvision(p.account.encoded_account_id)).length;
    },
    close() {
      closing ??= closeServer();
      return closing;
    },
  };
}

function definedOnly<T extends object>(value: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(value ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function faultResponse(rule: { status: number; body?: unknown }): SimResponse {
  return rule.body === undefined ? answerStatus(rule.status) : { status: rule.status, body: rule.body };
}
