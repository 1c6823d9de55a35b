import { afterEach } from 'vitest';
import { CtctClient, type CtctClientOptions } from '../../src/ctct/ctct-client.js';
import type { ProvisionRequest } from '../../src/ctct/ctct-types.js';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/simulator.js';

/** Retries that finish quickly; the policy is the same as in production. */
export const FAST_RETRY = { maxAttempts: 6, baseDelayMs: 5, maxDelayMs: 50 };

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

/** A simulator closed after the test; unlimited rate unless the test asks for one. */
export async function startTestSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const sim = await startSimulator({ requestsPerSecond: 0, dailyQuota: 0, ...options });
  cleanups.push(() => sim.close());
  return sim;
}

/** The real client pointed at `sim`, closed after the test. */
export function createSimClient(sim: Simulator, overrides: Partial<CtctClientOptions> = {}): CtctClient {
  const client = new CtctClient({
    baseUrl: sim.baseUrl,
    tokenUrl: sim.tokenUrl,
    ...sim.credentials,
    requestsPerSecond: 0,
    concurrency: 4,
    retry: FAST_RETRY,
    timeoutMs: 5_000,
    ...overrides,
  });
  cleanups.push(() => client.close());
  return client;
}

/** Registers extra cleanup, run after the test in reverse order. */
export function onCleanup(cleanup: () => Promise<void>): void {
  cleanups.push(cleanup);
}

export function provisionRequest(loginName: string, extra: Partial<ProvisionRequest> = {}): ProvisionRequest {
  return {
    login_name: loginName,
    contact_email: `${loginName}@example.com`,
    country_code: 'US',
    state_code: 'MA',
    password: 'Correct-Horse-Battery-9',
    ...extra,
  };
}
