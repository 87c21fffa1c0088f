// Turns the API's offer and payout-option input into stored values, collecting every problem with its field path.
import { checkDomainPattern, type DeepLinkSettings } from '../core/destination.js';
import { formatAmount, formatPercent, isCurrency, parseAmount, parsePercent } from '../core/money.js';
import type { ProblemDetail } from '../core/result.js';
import { checkTemplate, type CodeAppendSettings } from '../core/templating.js';

export type AttributionRule = 'code_first' | 'click_first' | 'split';
export type TrackingMethod = 'link' | 'code';

export interface PayoutTierInput {
  fromConversion: number;
  value: string;
}

export interface PayoutOptionInput {
  title: string;
  type: 'percent' | 'fixed';
  value: string;
  tiers?: PayoutTierInput[];
  default?: boolean;
}

export interface StoredTier {
  fromConversion: number;
  value: number;
}

export interface StoredPayout {
  title: string;
  type: 'percent' | 'fixed';
  value: number;
  tiers: StoredTier[];
}

export const DEFAULT_UTM: Readonly<Record<string, string>> = Object.freeze({
  utm_source: 'touchpoint',
  utm_medium: 'influencer',
  utm_campaign: '{link_offer_name}',
  utm_content: '{creator_name}',
});

export const DEFAULT_DEEP_LINKS: DeepLinkSettings = { allowCreators: true, extraDomains: [] };
export const DEFAULT_CODE_APPEND: CodeAppendSettings = { mode: 'none', param: 'discount' };

/** Destination URLs may carry macros such as {click_id}; they are checked as templates, then as URLs. */
export function checkDestinationUrl(url: string, path: string, problems: ProblemDetail[]): void {
  // Length is the schema's business (URLs may be longer than a UTM value); here only the macros matter.
  if (checkTemplate(url) === 'template_unknown_macro') {
    problems.push({ path, code: 'template_unknown_macro', message: 'The destination URL uses an unknown {macro}.' });
    return;
  }
  let parsed: URL;
  try {
    parsed = new URL(url.replace(/\{[a-z_]+\}/g, 'x'));
  } catch {
    problems.push({
      path,
      code: 'url_invalid',
      message: 'The destination must be a full URL such as https://shop.example.com/sale.',
    });
    return;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    problems.push({ path, code: 'url_invalid', message: 'The destination must be an http or https URL.' });
  } else if (parsed.username || parsed.password) {
    problems.push({ path, code: 'url_invalid', message: 'The destination must not contain a user name or password.' });
  }
}

export function checkUtm(utm: Record<string, string>, path: string, problems: ProblemDetail[]): void {
  for (const [param, template] of Object.entries(utm)) {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(param)) {
      problems.push({
        path: `${path}.${param}`,
        code: 'utm_param_invalid',
        message: `"${param}" is not a valid query parameter name.`,
      });
    }
    const problem = checkTemplate(template);
    if (problem) {
      problems.push({
        path: `${path}.${param}`,
        code: problem,
        message:
          problem === 'template_unknown_macro'
            ? 'Unknown dynamic value; use {creator_name}, {creator_ig_username}, {creator_tiktok_username}, {member_id}, {project_name} or {link_offer_name}.'
            : 'The value is too long.',
      });
    }
  }
}

export function checkDeepLinks(d: DeepLinkSettings, path: string, problems: ProblemDetail[]): void {
  d.extraDomains.forEach((domain, i) => {
    if (!checkDomainPattern(domain)) {
      problems.push({
        path: `${path}.extraDomains.${i}`,
        code: 'domain_invalid',
        message: `"${domain}" is not a domain; use shop.example.com or *.example.com.`,
      });
    }
  });
}

export function checkCodeAppend(c: CodeAppendSettings, path: string, problems: ProblemDetail[]): void {
  if (c.mode === 'query' && !/^[A-Za-z0-9_.-]{1,64}$/.test(c.param)) {
    problems.push({
      path: `${path}.param`,
      code: 'param_invalid',
      message: 'The code parameter must be a query parameter name such as "discount".',
    });
  }
}

function parseValue(type: 'percent' | 'fixed', value: string, currency: string): number | null {
  if (type === 'percent') return parsePercent(value);
  const parsed = parseAmount(value, currency);
  return parsed.ok ? parsed.minor : null;
}

function valueMessage(type: 'percent' | 'fixed', currency: string): string {
  return type === 'percent'
    ? 'A percent payout is a number from 0 to 100 with at most two decimals, e.g. "12.5".'
    : `A fixed payout is an amount in ${currency} such as "5.00".`;
}

export function parsePayoutOption(
  input: PayoutOptionInput,
  currency: string,
  path: string,
  problems: ProblemDetail[],
): StoredPayout | null {
  const at = (field: string) => (path ? `${path}.${field}` : field);
  const start = problems.length;
  const value = parseValue(input.type, input.value, currency);
  if (value === null)
    problems.push({ path: at('value'), code: 'payout_value_invalid', message: valueMessage(input.type, currency) });
  const tiers: StoredTier[] = [];
  let previous = 1;
  (input.tiers ?? []).forEach((tier, i) => {
    const tierValue = parseValue(input.type, tier.value, currency);
    if (tierValue === null) {
      problems.push({
        path: at(`tiers.${i}.value`),
        code: 'payout_value_invalid',
        message: valueMessage(input.type, currency),
      });
    }
    if (tier.fromConversion <= previous) {
      problems.push({
        path: at(`tiers.${i}.fromConversion`),
        code: 'tier_order_invalid',
        message: 'Tiers start at the 2nd conversion or later, each after the one before.',
      });
    }
    previous = Math.max(previous, tier.fromConversion);
    if (tierValue !== null) tiers.push({ fromConversion: tier.fromConversion, value: tierValue });
  });
  if (problems.length > start || value === null) return null;
  return { title: input.title.trim(), type: input.type, value, tiers };
}

export function formatPayoutValue(type: 'percent' | 'fixed', value: number, currency: string): string {
  return type === 'percent' ? formatPercent(value) : formatAmount(value, currency);
}

export function checkCurrency(currency: string, path: string, problems: ProblemDetail[]): void {
  if (!isCurrency(currency))
    problems.push({ path, code: 'currency_invalid', message: `"${currency}" is not an ISO-4217 currency code.` });
}
