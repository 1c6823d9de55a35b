import { describe, expect, it } from 'vitest';
import { DEFAULT_BASE_URL, DEFAULT_TOKEN_URL, readCtctClientOptions } from '../../src/ctct/ctct-client.js';
import { CtctGitopsError, ExitCode } from '../../src/errors.js';

const SETTINGS = { requests_per_second: 10, concurrency: 3, authorization_scheme: 'raw' as const };
const FULL_ENV = {
  CTCT_API_KEY: 'key-value-1',
  CTCT_PARTNER_CLIENT_ID: 'client-value-2',
  CTCT_PARTNER_SECRET: 'secret-value-3',
};

function readError(env: NodeJS.ProcessEnv): CtctGitopsError {
  try {
    readCtctClientOptions(env, SETTINGS);
  } catch (error) {
    return error as CtctGitopsError;
  }
  throw new Error('expected readCtctClientOptions to throw');
}

describe('readCtctClientOptions', () => {
  it('reads credentials from the environment and pace and scheme from the settings, with the default URLs', () => {
    expect(readCtctClientOptions({ ...FULL_ENV, CTCT_API_KEY: '  key-value-1\n' }, SETTINGS)).toEqual({
      baseUrl: DEFAULT_BASE_URL,
      tokenUrl: DEFAULT_TOKEN_URL,
      apiKey: 'key-value-1',
      clientId: 'client-value-2',
      clientSecret: 'secret-value-3',
      authorizationScheme: 'raw',
      tokenScope: 'v3api/general.partner',
      requestsPerSecond: 10,
      concurrency: 3,
    });
  });

  it('takes CTCT_BASE_URL and CTCT_TOKEN_URL, plain http only on loopback', () => {
    const options = readCtctClientOptions(
      { ...FULL_ENV, CTCT_BASE_URL: 'http://127.0.0.1:8080/v3', CTCT_TOKEN_URL: 'https://auth.example/token' },
      SETTINGS,
    );
    expect(options).toMatchObject({ baseUrl: 'http://127.0.0.1:8080/v3', tokenUrl: 'https://auth.example/token' });
    expect(readError({ ...FULL_ENV, CTCT_BASE_URL: 'http://api.example/v3' }).message).toBe(
      'CTCT_BASE_URL must be an https:// URL (http:// only for a loopback simulator)',
    );
    expect(readError({ ...FULL_ENV, CTCT_TOKEN_URL: 'not a url' }).message).toBe('CTCT_TOKEN_URL is not a URL');
  });

  it('names every missing variable at once with exit code 3', () => {
    const error = readError({});
    expect(error).toBeInstanceOf(CtctGitopsError);
    expect(error.exitCode).toBe(ExitCode.invalid);
    expect(error.message).toBe(
      'missing environment variables CTCT_API_KEY, CTCT_PARTNER_CLIENT_ID, ' +
        'CTCT_PARTNER_SECRET: the CTCT API key and partner credentials are ' +
        'required (or pass --simulator to rehearse against the built-in simulator)',
    );
  });

  it('names only the missing one, treats blank as missing, and shows no value', () => {
    const error = readError({ ...FULL_ENV, CTCT_PARTNER_SECRET: '   ' });
    expect(error.exitCode).toBe(ExitCode.invalid);
    expect(error.message).toMatch(/^missing environment variable CTCT_PARTNER_SECRET:/);
    for (const value of Object.values(FULL_ENV)) expect(error.message).not.toContain(value);
  });
});
