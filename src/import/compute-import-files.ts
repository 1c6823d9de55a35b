import type { CANCEL_REASON_IDS, CustomerSummary, PlanTiers, SiteOwner } from '../ctct/ctct-types.js';
import { normaliseAddress, PROFILE_FIELDS } from '../plan/compute-profile-changes.js';

/** A live account to import, with its plan where it was read, and for a managed account its details. */
export interface ImportSource {
  owner: SiteOwner;
  plan: PlanTiers | null;
  /** GET /account/summary?extra_fields=physical_address through sync; managed accounts only. */
  profile?: CustomerSummary;
}

/** One account file import would write. */
export interface ImportFile {
  /** Path relative to the working directory, with `/`. */
  file: string;
  encoded_account_id: string;
  text: string;
}

/** The placeholder reason written for cancelled accounts: CTCT does not say why one was cancelled. */
export const PLACEHOLDER_REASON_ID = 27 satisfies (typeof CANCEL_REASON_IDS)[number];

/**
 * The files import writes, one per live account, named after the organization (slugged, unique
 * against `takenNames`, the lower-cased names already in the folder). Pure and deterministic.
 */
export function computeImportFiles(
  sources: readonly ImportSource[],
  options: { accountsDir: string; schemaPath: string | null; takenNames: ReadonlySet<string> },
): ImportFile[] {
  const taken = new Set(options.takenNames);
  return sources.map(({ owner, plan, profile }) => {
    const base = slugOf(owner.organization_name) || owner.encoded_account_id;
    let name = base;
    for (let n = 2; taken.has(`${name}.yaml`) || taken.has(`${name}.yml`); n++) name = `${base}-${n}`;
    taken.add(`${name}.yaml`);
    return {
      file: `${options.accountsDir.replace(/\/+$/, '')}/${name}.yaml`,
      encoded_account_id: owner.encoded_account_id,
      text: renderImportFile(owner, plan, profile, options.schemaPath),
    };
  });
}

function renderImportFile(
  owner: SiteOwner,
  plan: PlanTiers | null,
  profile: CustomerSummary | undefined,
  schemaPath: string | null,
): string {
  const planType = plan?.plan_type ?? (owner.billing_status === 'Trial' ? 'TRIAL' : undefined);
  const lines = [
    // Without a schema in the repository (ctct-gitops init copies one) the modeline would point nowhere.
    ...(schemaPath === null ? [] : [`# yaml-language-server: $schema=${schemaPath}`]),
    '# Imported by ctct-gitops import from the live account.',
    ...(profile === undefined
      ? [
          "# CTCT's partner API returns no contact details and no login name for an account (login_name,",
          '# contact_email, country_code, state_code, names, phones, website, partner_account_id, ...).',
          '# This file manages the existing account as it is; fill those fields in by hand before using it',
          '# to create an account anywhere else.',
        ]
      : [
          '# A managed account: its details and address were read through account_operations/sync, and',
          '# a change to them here is applied. CTCT returns no login name and no partner_account_id.',
        ]),
  ];
  if (owner.site_owner_name)
    lines.push(`# CTCT lists the site owner name as ${JSON.stringify(owner.site_owner_name)}.`);
  lines.push(`encoded_account_id: ${owner.encoded_account_id}`);
  if (profile !== undefined) lines.push('managed_site_owner: true', ...renderProfile(profile));
  const organization = owner.organization_name?.trim();
  if (profile === undefined && organization && organization.length <= 50)
    lines.push(`organization_name: ${yamlString(organization)}`);
  if (planType !== undefined) {
    lines.push('plan:', `  plan_type: ${yamlString(planType)}`);
    const day = plan?.billing_day_of_month;
    if (typeof day === 'number') lines.push(`  billing_day_of_month: ${day}`);
  }
  if ((plan?.billing_status ?? owner.billing_status) === 'Canceled') {
    lines.push(
      'status: cancelled',
      'cancel:',
      '  # The real reason is unknown: CTCT does not return ' +
        `it. ${PLACEHOLDER_REASON_ID} (Canceled Online by Customer) is a placeholder.`,
      `  reason_id: ${PLACEHOLDER_REASON_ID}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * What an account file accepts of each detail (schema/account.schema.json); a live value outside it is left out, with a
 * note.
 */
const PROFILE_RULES: Record<(typeof PROFILE_FIELDS)[number], RegExp> = {
  contact_email: /^[^\s@]{1,64}@[^\s@]+\.[^\s@]+$/,
  contact_phone: /^.{5,25}$/,
  country_code: /^[A-Z]{2,3}$/,
  state_code: /^[A-Z]{2}$/,
  organization_name: /^.{1,50}$/,
  organization_phone: /^.{5,25}$/,
  time_zone_id: /^.{1,64}$/,
  website: /^https?:\/\/\S+$/,
  first_name: /^.{2,80}$/,
  last_name: /^.{2,80}$/,
};

function renderProfile(profile: CustomerSummary): string[] {
  const lines: string[] = [];
  const inUsOrCa = profile.country_code === 'US' || profile.country_code === 'CA';
  for (const field of PROFILE_FIELDS) {
    const value = profile[field];
    if (value === undefined || value === '' || (field === 'state_code' && !inUsOrCa)) continue;
    if (PROFILE_RULES[field].test(value) && !(field === 'contact_email' && value.length > 80))
      lines.push(`${field}: ${yamlString(value)}`);
    else
      lines.push(
        `# ${field} is left out: the live value ${JSON.stringify(value)} does not fit the account file's rules`,
      );
  }
  if (profile.physical_address !== undefined) {
    lines.push('physical_address:');
    for (const [key, value] of Object.entries(normaliseAddress(profile.physical_address)))
      lines.push(`  ${key}: ${yamlString(value as string)}`);
  }
  return lines;
}

/** Lower-case letters, digits and single dashes, at most 60 characters. */
export function slugOf(name: string | undefined): string {
  return (name ?? '')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/g, '');
}

/** A plain scalar where YAML reads it back as the same string, else a JSON (double-quoted) string. */
function yamlString(value: string): string {
  return /^[A-Za-z][A-Za-z0-9 _.'&()/-]*$/.test(value) &&
    !/^(true|false|null|yes|no|on|off|y|n|~)$/i.test(value) &&
    !/\s$/.test(value)
    ? value
    : JSON.stringify(value);
}
