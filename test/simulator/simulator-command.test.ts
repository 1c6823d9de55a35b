import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSimulatorCommand } from '../../src/simulator/simulator-command.js';
import { basicAuth, expectConformsToSpec } from './sim-harness.js';

function readExports(output: string): Record<string, string> {
  return Object.fromEntries([...output.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1] as string, m[2] as string]));
}

async function waitForOutput(out: string[], pattern: RegExp): Promise<void> {
  while (!pattern.test(out.join(''))) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('ctct-gitops simulator', () => {
  it('prints the URLs and credentials to export, serves them with the given options, and stops cleanly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctct-sim-cmd-'));
    const state = join(dir, 'simulator.json');
    const out: string[] = [];
    const logLines: string[] = [];
    let stop: (signal: string) => void = () => undefined;
    const command = createSimulatorCommand({
      write: (text) => out.push(text),
      log: (line) => logLines.push(line),
      waitForStop: () => new Promise((resolve) => (stop = resolve)),
    });
    const running = command.parseAsync(
      [
        '--port',
        '0',
        '--seed',
        '12',
        '--state',
        state,
        '--rps',
        '0',
        '--fault',
        'POST /v3/partner/accounts 503 x1',
        '--create-503',
        'nothing',
        '--token-ttl',
        '600',
      ],
      { from: 'user' },
    );
    await waitForOutput(out, /Press Ctrl-C/);
    const env = readExports(out.join(''));
    expect(Object.keys(env)).toEqual([
      'CTCT_BASE_URL',
      'CTCT_TOKEN_URL',
      'CTCT_API_KEY',
      'CTCT_PARTNER_CLIENT_ID',
      'CTCT_PARTNER_SECRET',
    ]);
    expect(env.CTCT_BASE_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v3$/);
    expect(out.join('')).toContain('12 accounts');

    const tokenRes = await fetch(env.CTCT_TOKEN_URL as string, {
      method: 'POST',
      headers: {
        authorization: basicAuth(env.CTCT_PARTNER_CLIENT_ID as string, env.CTCT_PARTNER_SECRET as string),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    });
    const token = (await tokenRes.json()) as { access_token: string; expires_in: number };
    expect(token.expires_in).toBe(600);
    const headers = { authorization: `Bearer ${token.access_token}`, 'x-api-key': env.CTCT_API_KEY as string };
    const listRes = await fetch(`${env.CTCT_BASE_URL}/partner/accounts?limit=10`, { headers });
    const list = (await listRes.json()) as { site_owner_list: unknown[] };
    expectConformsToSpec('GET', '/v3/partner/accounts', listRes.status, list);
    expect(list.site_owner_list).toHaveLength(10);
    const faulted = await fetch(`${env.CTCT_BASE_URL}/partner/accounts`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(faulted.status).toBe(503);
    expectConformsToSpec('POST', '/v3/partner/accounts', 503, await faulted.json());
    expect(logLines.some((line) => /^POST \/v3\/partner\/accounts 503 \(fault\)/.test(line))).toBe(true);

    stop('SIGTERM');
    await running;
    expect(out.join('')).toContain('simulator stopped (SIGTERM)');
    await expect(fetch(`${env.CTCT_BASE_URL}/partner/accounts`, { headers })).rejects.toThrow(TypeError);
    expect(JSON.parse(readFileSync(state, 'utf8')).accounts).toHaveLength(12);
    rmSync(dir, { recursive: true, force: true });
  });

  it('documents the fault syntax in its help, and refuses a bad fault spec or number', async () => {
    const help: string[] = [];
    const command = createSimulatorCommand()
      .exitOverride()
      .configureOutput({ writeOut: (s) => help.push(s), writeErr: (s) => help.push(s) });
    await expect(command.parseAsync(['--help'], { from: 'user' })).rejects.toMatchObject({
      code: 'commander.helpDisplayed',
    });
    const text = help.join('');
    for (const word of [
      '--port',
      '--state',
      '--seed',
      '--rps',
      '--quota',
      '--token-ttl',
      '--create-503',
      '--fault',
      'drop-after-store',
      'provision-later',
      'latency:MS',
      'POST /v3/partner/accounts 503 x2',
      '--site-owner-name',
      '--duplicate-login',
      '--token-paths',
      '--auth-scheme',
      '--require-scope',
      '--managed-site-owner',
    ]) {
      expect(text).toContain(word);
    }
    const errors: string[] = [];
    const bad = () =>
      createSimulatorCommand()
        .exitOverride()
        .configureOutput({ writeOut: () => undefined, writeErr: (s) => errors.push(s) });
    await expect(bad().parseAsync(['--fault', 'POST /x explode'], { from: 'user' })).rejects.toMatchObject({
      code: 'commander.invalidArgument',
    });
    await expect(bad().parseAsync(['--rps', 'fast'], { from: 'user' })).rejects.toMatchObject({
      code: 'commander.invalidArgument',
    });
    await expect(bad().parseAsync(['--duplicate-login', '404'], { from: 'user' })).rejects.toMatchObject({
      code: 'commander.invalidArgument',
    });
    expect(errors.join('')).toMatch(/action "explode"/);
  });

  it('plays the readings its flags name and says which', async () => {
    const out: string[] = [];
    let stop: (signal: string) => void = () => undefined;
    const command = createSimulatorCommand({
      write: (text) => out.push(text),
      log: () => undefined,
      waitForStop: () => new Promise((resolve) => (stop = resolve)),
    });
    const running = command.parseAsync(
      [
        '--rps',
        '0',
        '--site-owner-name',
        'display-name',
        '--duplicate-login',
        '400',
        '--token-paths',
        'cognito',
        '--auth-scheme',
        'raw',
        '--require-scope',
        '--managed-site-owner',
        'always',
      ],
      { from: 'user' },
    );
    await waitForOutput(out, /Press Ctrl-C/);
    const text = out.join('');
    expect(text).toContain(
      'readings:  site_owner_name=display-name, duplicate login→400, auth ' +
        'scheme raw, scope required, managed_site_owner by partner (always)',
    );
    const env = readExports(text);
    expect(env.CTCT_TOKEN_URL).toMatch(/\/oauth2\/token$/);
    const auth = basicAuth(env.CTCT_PARTNER_CLIENT_ID as string, env.CTCT_PARTNER_SECRET as string);
    const noScope = await fetch(env.CTCT_TOKEN_URL as string, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    expect(noScope.status).toBe(400);
    const minted = await fetch(env.CTCT_TOKEN_URL as string, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&scope=v3api%2Fgeneral.partner',
    });
    const token = ((await minted.json()) as { access_token: string }).access_token;
    const bearer = await fetch(`${env.CTCT_BASE_URL}/partner/accounts`, {
      headers: { authorization: `Bearer ${token}`, 'x-api-key': env.CTCT_API_KEY as string },
    });
    const raw = await fetch(`${env.CTCT_BASE_URL}/partner/accounts`, {
      headers: { authorization: token, 'x-api-key': env.CTCT_API_KEY as string },
    });
    expect([bearer.status, raw.status]).toEqual([401, 200]);
    stop('SIGINT');
    await running;
  });
});
