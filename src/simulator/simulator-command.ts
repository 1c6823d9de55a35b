import { existsSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { readAccounts } from '../accounts/read-accounts.js';
import { InvalidInputError } from '../errors.js';
import { readSettings } from '../settings/read-settings.js';
import { computeMirrorAccounts } from './compute-mirror-accounts.js';
import { FAULT_SPEC_HELP, parseFaultSpec, type FaultRule } from './fault-rules.js';
import { BEHAVIOUR_FLAGS, type SimulatorBehaviour } from './sim-behaviour.js';
import { startSimulator, type Create503 } from './simulator.js';

/** What the command talks to; tests replace them, the CLI keeps the defaults. */
export interface SimulatorCommandDeps {
  /** Where the URLs and credentials go (default stdout). */
  write?: (text: string) => void;
  /** Where the request log goes (default stderr). */
  log?: (line: string) => void;
  /** Resolves when the simulator should stop (default: SIGINT or SIGTERM). */
  waitForStop?: () => Promise<string>;
}

interface SimulatorCommandOptions {
  port: number;
  state?: string;
  fromDir?: string;
  seed: number;
  rps: number;
  quota: number;
  tokenTtl: number;
  provisionDelay: number;
  create503: Create503;
  fault?: FaultRule[];
  ssoNewAccounts?: boolean;
  quiet?: boolean;
  siteOwnerName?: SimulatorBehaviour['siteOwnerName'];
  duplicateLogin?: '409' | '400';
  tokenPaths?: SimulatorBehaviour['tokenPaths'];
  authScheme?: SimulatorBehaviour['authorizationScheme'];
  requireScope?: boolean;
  managedSiteOwner?: SimulatorBehaviour['managedSiteOwner'];
}

function behaviourOf(options: SimulatorCommandOptions): Partial<SimulatorBehaviour> {
  return {
    siteOwnerName: options.siteOwnerName,
    duplicateLogin: options.duplicateLogin === undefined ? undefined : (Number(options.duplicateLogin) as 409 | 400),
    tokenPaths: options.tokenPaths,
    authorizationScheme: options.authScheme,
    requireScope: options.requireScope,
    managedSiteOwner: options.managedSiteOwner,
  };
}

function parseWholeNumber(max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) > max)
      throw new InvalidArgumentError(`expected a whole number from 0 to ${max}`);
    return Number(value);
  };
}

function collectFault(value: string, previous: FaultRule[] | undefined): FaultRule[] {
  try {
    return [...(previous ?? []), parseFaultSpec(value)];
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message.split('\n')[0] ?? 'invalid fault spec');
  }
}

function waitForSignal(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

function describeBehaviour(b: SimulatorBehaviour): string {
  return [
    `site_owner_name=${b.siteOwnerName}`,
    `duplicate login→${b.duplicateLogin}`,
    `auth scheme ${b.authorizationScheme}`,
    `scope ${b.requireScope ? 'required' : 'optional'}`,
    `managed_site_owner by ${b.managedSiteOwner === 'request' ? 'request' : `partner (${b.managedSiteOwner})`}`,
  ].join(', ');
}

function quoteForShell(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

/** `ctct-gitops simulator`: serve the built-in CTCT partner API simulator on loopback until interrupted. */
export function createSimulatorCommand(deps: SimulatorCommandDeps = {}): Command {
  const write = deps.write ?? ((text: string) => void process.stdout.write(text));
  const log = deps.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const command = new Command('simulator');
  for (const { flag, values, help } of Object.values(BEHAVIOUR_FLAGS)) {
    command.addOption(new Option(flag, help).choices(values).default(values[0]));
  }
  return command
    .description('serve the built-in CTCT partner API simulator (token endpoint included) on 127.0.0.1')
    .option('--port <n>', 'port to listen on (0 = any free port)', parseWholeNumber(65535), 0)
    .option('--state <file>', 'JSON file the accounts are loaded from and saved to after every change')
    .option(
      '--from-dir <DIR>',
      'start with one live account per account file in DIR that names an encoded_account_id, as the file describes it',
    )
    .option('--seed <n>', 'generate this many accounts when the state is new or empty', parseWholeNumber(1_000_000), 0)
    .option(
      '--rps <n>',
      'requests per second per API key before 429 throttled (0 = unlimited)',
      parseWholeNumber(1_000_000),
      4,
    )
    .option(
      '--quota <n>',
      'requests per UTC day per API key before 429 quota_exceeded (0 = unlimited)',
      parseWholeNumber(1e9),
      10_000,
    )
    .option('--token-ttl <seconds>', 'lifetime of partner tokens', parseWholeNumber(86_400 * 365), 3600)
    .option(
      '--provision-delay <ms>',
      'how long a create answered 503 takes to appear',
      parseWholeNumber(86_400_000),
      1000,
    )
    .addOption(
      new Option(
        '--create-503 <what>',
        'what a 503 fault on POST /v3/partner/accounts stores: stored ' +
          '(the spec: provisioned after --provision-delay) or nothing',
      )
        .choices(['stored', 'nothing'])
        .default('stored'),
    )
    .option('--fault <spec>', 'inject a fault; repeat for several (syntax below)', collectFault)
    .option('--require-scope', 'refuse a token request that names no scope (400 invalid_scope)')
    .option(
      '--sso-new-accounts',
      'accounts created through the API get SSO for all users (POST users/sso answers 403 without it)',
    )
    .option('--quiet', 'do not log requests')
    .addHelpText(
      'after',
      `\n${FAULT_SPEC_HELP}\n\nThe readings of CTCT (--site-owner-name ` +
        `… --require-scope) default to the vendor spec's; ` +
        `README's "the API" table says what each shows.\nThe credentials printed are the simulator's own fake ones.`,
    )
    .action(async (options: SimulatorCommandOptions) => {
      const accounts =
        options.fromDir === undefined ? undefined : await readMirrorAccounts(options.fromDir, options.state);
      const sim = await startSimulator({
        port: options.port,
        requestsPerSecond: options.rps,
        dailyQuota: options.quota,
        tokenTtlSeconds: options.tokenTtl,
        provisionDelayMs: options.provisionDelay,
        create503: options.create503,
        ...(options.state === undefined ? {} : { stateFile: options.state }),
        ...(accounts === undefined ? {} : { accounts }),
        ...(options.seed > 0 ? { seed: options.seed } : {}),
        ...(options.ssoNewAccounts ? { ssoForNewAccounts: true } : {}),
        ...(options.quiet ? {} : { log }),
        behaviour: behaviourOf(options),
      });
      for (const rule of options.fault ?? []) sim.faults.add(rule);
      const env: Array<[string, string]> = [
        ['CTCT_BASE_URL', sim.baseUrl],
        ['CTCT_TOKEN_URL', sim.tokenUrl],
        ['CTCT_API_KEY', sim.credentials.apiKey],
        ['CTCT_PARTNER_CLIENT_ID', sim.credentials.clientId],
        ['CTCT_PARTNER_SECRET', sim.credentials.clientSecret],
      ];
      write(
        [
          `CTCT partner API simulator: ${sim.accounts().length} ` +
            `accounts${options.state ? `, state in ${options.state}` : ''}`,
          `  base URL:  ${sim.baseUrl}`,
          `  token URL: ${sim.tokenUrls.join(' and ')}`,
          `  readings:  ${describeBehaviour(sim.behaviour)}`,
          'Use it with:',
          ...env.map(([name, value]) => `export ${name}=${quoteForShell(value)}`),
          'Press Ctrl-C to stop.',
          '',
        ].join('\n'),
      );
      const signal = await (deps.waitForStop ?? waitForSignal)();
      await sim.close();
      write(`simulator stopped (${signal})\n`);
    });
}

/** The live accounts `--from-dir` starts with; refused over an existing state, which would win. */
async function readMirrorAccounts(dir: string, stateFile: string | undefined) {
  if (stateFile !== undefined && existsSync(stateFile)) {
    throw new InvalidInputError(
      [],
      `--from-dir starts a new state, but ${stateFile} exists: remove it, or leave out --from-dir to go on with it`,
    );
  }
  const cwd = process.cwd();
  const settings = await readSettings(cwd, undefined, { accounts_dir: dir });
  // --from-dir names its folder explicitly and only seeds a local simulator, so it may lie outside the repository.
  return computeMirrorAccounts(await readAccounts(cwd, dir, { allowOutsideRepo: true }), {
    now: new Date().toISOString(),
    accountType: settings.account_type,
  });
}
