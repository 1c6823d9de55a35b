import { CANCEL_REASON_IDS, type PlanTiers, type SiteOwner } from '../ctct/ctct-types.js';

/** A live account to import, with its plan where it was read. */
export interface ImportSource {
  owner: SiteOwner;
  plan: PlanTiers | null;
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
export function computeImportFiles(sources: readonly ImportSource[], options: { accountsDir: string; schemaPath: string | null; takenNames: ReadonlySet<string> }): ImportFile[] {
  const taken = new Set(options.takenNames);
  return sources.map(({ owner, plan }) => {
    const base = slugOf(owner.organization_name) || owner.encoded_account_id;
    let name = base;
    for (let n = 2; taken.has(`${name}.yaml`) || taken.has(`${name}.yml`); n++) name = `${base}-${n}`;
    taken.add(`${name}.yaml`);
    return { file: `${options.accountsDir.replace(/\/+$/, '')}/${name}.yaml`, encoded_account_id: owner.encoded_account_id, text: renderImportFile(owner, plan, options.schemaPath) };
  });
}

function renderImportFile(owner: SiteOwner, plan: PlanTiers | null, schemaPath: string | null): string {
  const planType = plan?.plan_type ?? (owner.billing_status === 'Trial' ? 'TRIAL' : undefined);
  const lines = [
    // Without a schema in the repository (ctct-gitops init copies one) the modeline would point nowhere.
    ...(schemaPath === null ? [] : [`# yaml-language-server: $schema=${schemaPath}`]),
    '# Imported by ctct-gitops import from the live account.',
    "# CTCT's partner API returns no contact details and no login name for an account (login_name,",
    '# contact_email, country_code, state_code, names, phones, website, partner_account_id, ...).',
    '# This file manages the existing account as it is; fill those fields in by hand before using it',
    '# to create an account anywhere else.',
  ];
  if (owner.site_owner_name) lines.push(`# CTCT lists the site owner name as ${JSON.stringify(owner.site_owner_name)}.`);
  lines.push(`encoded_account_id: ${owner.encoded_account_id}`);
  const organization = owner.organization_name?.trim();
  if (organization && organization.length <= 50) lines.push(`organization_name: ${yamlString(organization)}`);
  if (planType !== undefined) {
    lines.push('plan:', `  plan_type: ${yamlString(planType)}`);
    const day = plan?.billing_day_of_month;
    if (typeof day === 'number') lines.push(`  billing_day_of_month: ${day}`);
  }
  if ((plan?.billing_status ?? owner.billing_status) === 'Canceled') {
    lines.push(
      'status: cancelled',
      'cancel:',
      `  # The real reason is unknown: CTCT does not return it. ${PLACEHOLDER_REASON_ID} (Canceled Online by Customer) is a placeholder.`,
      `  reason_id: ${PLACEHOLDER_REASON_ID}`,
    );
  }
  return lines.join('\n') + '\n';
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
  return /^[A-Za-z][A-Za-z0-9 _.'&()/-]*$/.test(value) && !/^(true|false|null|yes|no|on|off|y|n|~)$/i.test(value) && !/\s$/.test(value) ? value : JSON.stringify(value);
}
