import type { CreateOnlyFields, DesiredAccount } from '../model.js';

const CREATE_ONLY_FIELDS = [
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
  'partner_account_id',
  'billing_locale',
  'managed_site_owner',
  'enable_single_billing',
  'gdpr_opt_out',
  'external_id',
  'external_provider',
] as const satisfies readonly (keyof CreateOnlyFields)[];

/** The fields of an account sent only with POST /partner/accounts, as the file gives them. */
export function createOnlyFields(account: DesiredAccount): CreateOnlyFields {
  const fields: Record<string, unknown> = {};
  for (const key of CREATE_ONLY_FIELDS) if (account[key] !== undefined) fields[key] = account[key];
  return fields as CreateOnlyFields;
}
