import { describe, expect, it } from 'vitest';
import { CtctApiError, CtctAuthenticationError } from '../../src/ctct/ctct-api-error.js';
import { readCtctClientOptions } from '../../src/ctct/ctct-client.js';
import { COGNITO_TOKEN_PATH } from '../../src/simulator/simulator.js';
import { createSimClient, startTestSimulator } from './sim-client.js';

/** The real client against each reading of CTCT's authorization that the simulator plays. */

describe('authorization readings', () => {
  it('sends the partner scope by default, so a token endpoint that requires one answers', async () => {
    const sim = await startTestSimulator({ behaviour: { requireScope: true } });
    const client = createSimClient(sim);
    expect(await client.listAccounts()).toEqual([]);
  });

  it('a refused missing scope says so and names the setting, not "bad credentials"', async () => {
    const sim = await startTestSimulator({ behaviour: { requireScope: true } });
    const error = await createSimClient(sim, { tokenScope: '' })
      .listAccounts()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CtctAuthenticationError);
    expect(error).toMatchObject({ status: 400, errorKey: 'invalid_scope' });
    const message = (error as Error).message;
    expect(message).toContain('the token endpoint refused no scope (invalid_scope), not the credentials');
    expect(message).toContain('token_scope in ctct-gitops.yaml or CTCT_TOKEN_SCOPE to v3api/general.partner');
    expect(message).not.toMatch(/rejected the partner credentials/);
  });

  it('a refused scope names the scope asked for', async () => {
    const sim = await startTestSimulator();
    const error = await createSimClient(sim, { tokenScope: 'openid' })
      .listAccounts()
      .catch((e: unknown) => e);
    expect((error as Error).message).toContain('the token endpoint refused the scope "openid" (invalid_scope)');
  });

  it('a refused grant says so and points at the token URL', async () => {
    const sim = await startTestSimulator({ behaviour: { tokenPaths: 'cognito' } });
    sim.faults.add({
      path: COGNITO_TOKEN_PATH,
      kind: 'status',
      status: 400,
      body: { error: 'unsupported_grant_type', error_description: 'grant not allowed' },
    });
    const error = await createSimClient(sim)
      .listAccounts()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CtctAuthenticationError);
    expect((error as Error).message).toMatch(
      new RegExp(
        String.raw`refused the client_credentials grant \(unsupported_grant_type\), not the ` +
          String.raw`credentials: check that the token URL \(http:\/\/127\.0\.0\.1:\d+\/oauth2\/token; ` +
          String.raw`token_url or CTCT_TOKEN_URL\)`,
      ),
    );
  });

  it('gets its token at the Cognito path of the vendor spec when told to', async () => {
    const sim = await startTestSimulator({ behaviour: { tokenPaths: 'cognito' } });
    expect(sim.tokenUrl).toMatch(/\/oauth2\/token$/);
    const client = createSimClient(sim);
    await client.listAccounts();
    expect(client.stats.tokenMints).toBe(1);
  });

  for (const [server, right, wrong] of [
    ['bearer', 'bearer', 'raw'],
    ['raw', 'raw', 'bearer'],
  ] as const) {
    it(
      `a server that takes ${server} only: the ${right} setting works, ` +
        `the ${wrong} one fails after one re-mint naming the setting`,
      async () => {
        const sim = await startTestSimulator({ behaviour: { authorizationScheme: server } });
        expect(await createSimClient(sim, { authorizationScheme: right }).listAccounts()).toEqual([]);
        const client = createSimClient(sim, { authorizationScheme: wrong });
        const error = await client.listAccounts().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(CtctApiError);
        expect(error).toMatchObject({ status: 401 });
        expect((error as Error).message).toContain('authorization_scheme');
        expect(client.stats.tokenMints).toBe(2);
      },
    );
  }
});

describe('readCtctClientOptions: token URL, scope and scheme', () => {
  const CREDENTIALS = { CTCT_API_KEY: 'k', CTCT_PARTNER_CLIENT_ID: 'c', CTCT_PARTNER_SECRET: 's' };
  const SETTINGS = {
    requests_per_second: 4,
    concurrency: 4,
    authorization_scheme: 'bearer' as const,
    token_url: 'https://v3api-partner.auth.us-east-1.amazoncognito.com/oauth2/token',
    token_scope: '',
  };

  it('takes them from the settings, and the environment beats the settings', () => {
    expect(readCtctClientOptions(CREDENTIALS, SETTINGS)).toMatchObject({
      tokenUrl: SETTINGS.token_url,
      tokenScope: '',
      authorizationScheme: 'bearer',
    });
    const env = {
      ...CREDENTIALS,
      CTCT_TOKEN_URL: 'https://auth.example/token',
      CTCT_TOKEN_SCOPE: 'v3api/general.partner',
      CTCT_AUTHORIZATION_SCHEME: 'RAW',
    };
    expect(readCtctClientOptions(env, SETTINGS)).toMatchObject({
      tokenUrl: 'https://auth.example/token',
      tokenScope: 'v3api/general.partner',
      authorizationScheme: 'raw',
    });
    expect(
      readCtctClientOptions(
        { ...CREDENTIALS, CTCT_TOKEN_SCOPE: '' },
        { ...SETTINGS, token_scope: 'v3api/general.partner' },
      ),
    ).toMatchObject({ tokenScope: '' });
  });

  it('refuses an unknown scheme and a token_url that is not https', () => {
    expect(() => readCtctClientOptions({ ...CREDENTIALS, CTCT_AUTHORIZATION_SCHEME: 'basic' }, SETTINGS)).toThrow(
      'CTCT_AUTHORIZATION_SCHEME must be bearer or raw',
    );
    expect(() => readCtctClientOptions(CREDENTIALS, { ...SETTINGS, token_url: 'http://auth.example/token' })).toThrow(
      'token_url must be an https:// URL',
    );
  });
});
