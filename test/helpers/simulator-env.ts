import type { Simulator } from '../../src/simulator/simulator.js';

/** The environment of a CLI run against `sim`: nothing inherited but PATH (and HOME), no colour. */
export function simulatorEnv(
  sim: Pick<Simulator, 'baseUrl' | 'tokenUrl' | 'credentials'>,
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  return {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    ...(process.env['HOME'] !== undefined && { HOME: process.env['HOME'] }),
    NO_COLOR: '1',
    CTCT_BASE_URL: sim.baseUrl,
    CTCT_TOKEN_URL: sim.tokenUrl,
    CTCT_API_KEY: sim.credentials.apiKey,
    CTCT_PARTNER_CLIENT_ID: sim.credentials.clientId,
    CTCT_PARTNER_SECRET: sim.credentials.clientSecret,
    ...extra,
  };
}
