import { parse as parseYaml } from 'yaml';
import type { AccountPhysicalAddress, CustomerPut } from '../ctct/ctct-types.js';
import type { Problem } from '../errors.js';
import type { DesiredAccount, DriftChange, LiveAccount, ProfileValues, UpdateProfileChange } from '../model.js';

/**
 * The fields of `CustomerPut` (spec/ctct-v3-swagger-3.0.178.yaml lines 8463-8520): what PUT /account/summary changes.
 */
export const PROFILE_FIELDS = [
  'contact_email',
  'contact_phone',
  'country_code',
  'state_code',
  'organization_name',
  'organization_phone',
  'time_zone_id',
  'website',
  'first_name',
  'last_name',
] as const satisfies readonly (keyof CustomerPut)[];

const ADDRESS_FIELDS = [
  'address_line1',
  'address_line2',
  'address_line3',
  'city',
  'state_code',
  'state_name',
  'postal_code',
  'country_code',
] as const satisfies readonly (keyof AccountPhysicalAddress)[];

export const UNMANAGED_REASON =
  'CTCT changes account details only of managed accounts (through ' +
  'account_operations/sync), and this account is unmanaged, so apply never sends these ' +
  'values: write the live ones in the file, or make the change in Constant Contact';

/**
 * Whether comparing the file's details with the live account needs to know if it is managed (and,
 * if so, its summary). A file declares a managed account with `managed_site_owner: true` (import
 * writes it); only then are its details and address reconciled. Whatever the flag, the list's
 * `organization_name` and, with `--changed-since`, the file at its base (`baseline`) show an edit
 * that needs an answer: applied on a managed account, reported on an unmanaged one. A file with the
 * listed name (or, where no list was read, none known) and no such edit costs no call (assumed: the
 * list and the summary show the same organization name).
 */
export function needsProfileRead(
  account: DesiredAccount,
  listedOrganizationName: string | undefined,
  baseline?: ProfileValues,
): boolean {
  const declares =
    account.physical_address !== undefined ||
    PROFILE_FIELDS.some((field) => field !== 'organization_name' && account[field] !== undefined);
  if (account.managed_site_owner === true && declares) return true;
  if (
    listedOrganizationName !== undefined &&
    account.organization_name !== undefined &&
    account.organization_name !== listedOrganizationName
  )
    return true;
  return (
    baseline !== undefined &&
    PROFILE_FIELDS.some((field) => account[field] !== undefined && account[field] !== baseline[field])
  );
}

type Base = Pick<UpdateProfileChange, 'login_name' | 'organization_name' | 'encoded_account_id' | 'file' | 'line'>;

/**
 * The details change of one existing account, pure. A managed account whose summary was read gets
 * an `update_profile` with only the fields that differ (the address whole, as PUT replaces it). An
 * unmanaged account cannot be changed: a differing `organization_name` (the one detail the list
 * shows) and the details the file changed since `baseline` (the file at the base of
 * `--changed-since`) are drift; a `physical_address` there is a problem. Nothing is decided for an
 * account whose managed status was not read.
 */
export function computeProfileChanges(
  account: DesiredAccount,
  live: LiveAccount,
  base: Base,
  baseline?: ProfileValues,
): { changes: Array<UpdateProfileChange | DriftChange>; problems: Problem[] } {
  if (live.managed === false) {
    const problems: Problem[] = [];
    if (account.physical_address !== undefined) {
      const position = account.positions['physical_address'] ?? account.positions[''] ?? { line: 1, col: 1 };
      problems.push({
        file: account.file,
        ...position,
        message:
          'physical_address: GET /partner/accounts?account_type=managed does not ' +
          `list ${live.encoded_account_id}, and CTCT changes the address only of a ` +
          'managed account; remove physical_address and managed_site_owner from the file',
      });
    }
    // What can be seen: the listed organization name, and the details the file changed since the
    // base of --changed-since (their live values cannot be read).
    const before: Record<string, unknown> = {};
    const after: Record<string, unknown> = {};
    for (const field of PROFILE_FIELDS) {
      const wanted = account[field];
      if (wanted === undefined) continue;
      if (field === 'organization_name' && live.organization_name !== undefined) {
        if (wanted !== live.organization_name) {
          before[field] = live.organization_name;
          after[field] = wanted;
        }
      } else if (baseline !== undefined && wanted !== baseline[field]) after[field] = wanted;
    }
    if (Object.keys(after).length === 0) return { changes: [], problems };
    return { changes: [{ action: 'drift', ...base, before, after, reason: UNMANAGED_REASON }], problems };
  }
  if (live.profile === undefined) return { changes: [], problems: [] };

  // Without managed_site_owner: true the file's details are those of the create; only the name
  // and what the file itself changed since the base are the file's word on the live account.
  const reconciled = account.managed_site_owner === true;
  const before: ProfileValues = {};
  const after: ProfileValues = {};
  for (const field of PROFILE_FIELDS) {
    const wanted = account[field];
    const current = blankToUndefined(live.profile[field]);
    if (wanted === undefined || wanted === current) continue;
    if (!reconciled && field !== 'organization_name' && (baseline === undefined || wanted === baseline[field]))
      continue;
    if (current !== undefined) before[field] = current;
    after[field] = wanted;
  }
  const wantedAddress = account.physical_address;
  const currentAddress =
    live.profile.physical_address === undefined ? undefined : normaliseAddress(live.profile.physical_address);
  if (wantedAddress !== undefined && !sameAddress(wantedAddress, currentAddress)) {
    before.physical_address = currentAddress ?? null;
    after.physical_address = normaliseAddress(wantedAddress);
  }
  if (Object.keys(after).length === 0) return { changes: [], problems: [] };
  return { changes: [{ action: 'update_profile', ...base, before, after }], problems: [] };
}

/** CTCT may answer an absent field as an empty string; either way the field has no value. */
function blankToUndefined(value: string | undefined): string | undefined {
  return value === '' ? undefined : value;
}

/** The address with its fields in one order and without empty ones, as plans hold it. */
export function normaliseAddress(address: AccountPhysicalAddress): AccountPhysicalAddress {
  const out: Record<string, string> = {};
  for (const field of ADDRESS_FIELDS) {
    const value = blankToUndefined(address[field]);
    if (value !== undefined) out[field] = value;
  }
  return out as unknown as AccountPhysicalAddress;
}

function sameAddress(wanted: AccountPhysicalAddress, current: AccountPhysicalAddress | undefined): boolean {
  if (current === undefined) return false;
  return ADDRESS_FIELDS.every((field) => blankToUndefined(wanted[field]) === current[field]);
}

/**
 * The details an account file declared, from its text (at the base of `--changed-since`); nothing for a file that does
 * not parse.
 */
export function computeFileDetails(text: string): ProfileValues {
  let value: unknown;
  try {
    value = parseYaml(text, { schema: 'core', maxAliasCount: 0 });
  } catch {
    return {};
  }
  if (typeof value !== 'object' || value === null) return {};
  const record = value as Record<string, unknown>;
  const details: ProfileValues = {};
  for (const field of PROFILE_FIELDS) if (typeof record[field] === 'string') details[field] = record[field] as string;
  return details;
}
