import { findLoginPart } from '../ctct/validate-password.js';
import { validateSpecBody, type ValidationError } from './validate-spec-body.js';

const US_STATE_CODES = new Set(
  (
    'AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME ' +
    'MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA ' +
    'RI SC SD TN TX UT VT VA WA WV WI WY AS GU MP PR VI UM AA AE AP'
  ).split(' '),
);
const CA_PROVINCE_CODES = new Set('AB BC MB NB NL NS NT NU ON PE QC SK YT'.split(' '));
const LOGIN_NAME = /^[A-Za-z0-9._+@-]+$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface StringRule {
  required?: boolean;
  min?: number;
  max?: number;
}

const invalid = (message: string): ValidationError => ['partner.api.validation.error', message];

/**
 * Check string fields against `rules`: presence, type and length. For the account routes, whose
 * definitions are in the full spec only (the simulator reads the partner subset).
 */
export function validateStrings(body: Record<string, unknown>, rules: Record<string, StringRule>): ValidationError[] {
  const errors: ValidationError[] = [];
  for (const [field, rule] of Object.entries(rules)) {
    const value = body[field];
    if (value === undefined || value === null) {
      if (rule.required) errors.push(invalid(`${field} is required.`));
      continue;
    }
    if (typeof value !== 'string') {
      errors.push(invalid(`${field} must be a string.`));
      continue;
    }
    if (rule.min !== undefined && value.length < rule.min)
      errors.push(invalid(`${field} must be at least ${rule.min} characters long.`));
    if (rule.max !== undefined && value.length > rule.max)
      errors.push(invalid(`${field} must be at most ${rule.max} characters long.`));
  }
  return errors;
}

/**
 * Every rule the vendor spec states for a `Provision` body (POST /partner/accounts,
 * https://developer.constantcontact.com/api_guide/partners_accts_create.html): its schema through
 * {@link validateSpecBody}, then what its descriptions say in prose; all failures at once.
 */
export function validateProvision(body: Record<string, unknown>): ValidationError[] {
  const errors = validateSpecBody('Provision', body);
  const str = (field: string): string | undefined =>
    typeof body[field] === 'string' ? (body[field] as string) : undefined;

  const email = str('contact_email');
  if (email !== undefined && email.length <= 80 && !EMAIL.test(email))
    errors.push(invalid('contact_email is not a valid email address.'));
  const login = str('login_name');
  if (login !== undefined && !LOGIN_NAME.test(login)) {
    errors.push(invalid("login_name must only contain alphanumeric characters and '-', '_', '@', '.', '+'."));
  }
  const website = str('website');
  if (website !== undefined && !/^https?:\/\/[^\s/]+/i.test(website))
    errors.push(invalid('website must be a valid URL starting with http:// or https://.'));
  const locale = str('billing_locale');
  if (locale !== undefined && !/^en_(us|gb)$/i.test(locale))
    errors.push(invalid('billing_locale must be en_US or en_GB.'));

  const country = str('country_code')?.toUpperCase();
  const state = str('state_code');
  if (state !== undefined && country !== undefined) {
    if (country === 'US' && !US_STATE_CODES.has(state.toUpperCase()))
      errors.push(invalid('state_code must be a valid US state code when country_code is US.'));
    else if (country === 'CA' && !CA_PROVINCE_CODES.has(state.toUpperCase()))
      errors.push(invalid('state_code must be a valid Canadian province code when country_code is CA.'));
    else if (country !== 'US' && country !== 'CA' && state !== '')
      errors.push(invalid('state_code must be blank when country_code is neither US nor CA.'));
  }

  const password = str('password');
  const external = body.external_id !== undefined || body.external_provider !== undefined;
  if (password !== undefined && external)
    errors.push(invalid('password must not be used together with external_id or external_provider.'));
  const loginPart = password === undefined ? undefined : findLoginPart(password, login);
  if (loginPart !== undefined)
    errors.push(invalid(`password must not contain any part of the username ("${loginPart}").`));
  return errors;
}
