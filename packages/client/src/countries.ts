/**
 * The countries a title can be published to and a viewer can be in: the 249
 * codes ISO 3166-1 alpha-2 assigns, and the near-misses people type for them.
 * Part of the contract (`CountryCodeSchema` checks against this list).
 *
 * The list is kept here rather than asked of `Intl.DisplayNames`, which names
 * regions that are not countries (`EU`, `UN`, `XK`) and cannot tell an
 * unknown code from a known one.
 *
 * @module
 */

/** Every officially assigned ISO 3166-1 alpha-2 code (249 of them, as of 2026). */
export const COUNTRY_CODES = [
  ...['AD', 'AE', 'AF', 'AG', 'AI', 'AL', 'AM', 'AO', 'AQ', 'AR', 'AS', 'AT', 'AU', 'AW', 'AX', 'AZ'],
  ...['BA', 'BB', 'BD', 'BE', 'BF', 'BG', 'BH', 'BI', 'BJ', 'BL', 'BM', 'BN', 'BO', 'BQ', 'BR', 'BS', 'BT', 'BV'],
  ...['BW', 'BY', 'BZ'],
  ...['CA', 'CC', 'CD', 'CF', 'CG', 'CH', 'CI', 'CK', 'CL', 'CM', 'CN', 'CO', 'CR', 'CU', 'CV', 'CW', 'CX', 'CY'],
  ...['CZ'],
  ...['DE', 'DJ', 'DK', 'DM', 'DO', 'DZ'],
  ...['EC', 'EE', 'EG', 'EH', 'ER', 'ES', 'ET'],
  ...['FI', 'FJ', 'FK', 'FM', 'FO', 'FR'],
  ...['GA', 'GB', 'GD', 'GE', 'GF', 'GG', 'GH', 'GI', 'GL', 'GM', 'GN', 'GP', 'GQ', 'GR', 'GS', 'GT', 'GU', 'GW'],
  ...['GY'],
  ...['HK', 'HM', 'HN', 'HR', 'HT', 'HU'],
  ...['ID', 'IE', 'IL', 'IM', 'IN', 'IO', 'IQ', 'IR', 'IS', 'IT'],
  ...['JE', 'JM', 'JO', 'JP'],
  ...['KE', 'KG', 'KH', 'KI', 'KM', 'KN', 'KP', 'KR', 'KW', 'KY', 'KZ'],
  ...['LA', 'LB', 'LC', 'LI', 'LK', 'LR', 'LS', 'LT', 'LU', 'LV', 'LY'],
  ...['MA', 'MC', 'MD', 'ME', 'MF', 'MG', 'MH', 'MK', 'ML', 'MM', 'MN', 'MO', 'MP', 'MQ', 'MR', 'MS', 'MT', 'MU'],
  ...['MV', 'MW', 'MX', 'MY', 'MZ'],
  ...['NA', 'NC', 'NE', 'NF', 'NG', 'NI', 'NL', 'NO', 'NP', 'NR', 'NU', 'NZ'],
  ...['OM'],
  ...['PA', 'PE', 'PF', 'PG', 'PH', 'PK', 'PL', 'PM', 'PN', 'PR', 'PS', 'PT', 'PW', 'PY'],
  ...['QA'],
  ...['RE', 'RO', 'RS', 'RU', 'RW'],
  ...['SA', 'SB', 'SC', 'SD', 'SE', 'SG', 'SH', 'SI', 'SJ', 'SK', 'SL', 'SM', 'SN', 'SO', 'SR', 'SS', 'ST', 'SV'],
  ...['SX', 'SY', 'SZ'],
  ...['TC', 'TD', 'TF', 'TG', 'TH', 'TJ', 'TK', 'TL', 'TM', 'TN', 'TO', 'TR', 'TT', 'TV', 'TW', 'TZ'],
  ...['UA', 'UG', 'UM', 'US', 'UY', 'UZ'],
  ...['VA', 'VC', 'VE', 'VG', 'VI', 'VN', 'VU'],
  ...['WF', 'WS'],
  ...['YE', 'YT'],
  ...['ZA', 'ZM', 'ZW'],
] as const;

const ASSIGNED: ReadonlySet<string> = new Set(COUNTRY_CODES);

/**
 * Codes people type that ISO 3166-1 does not assign, and the country they
 * mean: codes the standard reserves for another use (`UK`, `EL` as the EU
 * spells Greece, `FX`, `EA`, `IC`, `AC`, `TA`, `DG`) and withdrawn ones
 * (`TP`, `BU`, `ZR`).
 */
const NEAR_MISSES: Readonly<Record<string, string>> = {
  UK: 'GB',
  EL: 'GR',
  FX: 'FR',
  EA: 'ES',
  IC: 'ES',
  AC: 'SH',
  TA: 'SH',
  DG: 'IO',
  TP: 'TL',
  BU: 'MM',
  ZR: 'CD',
};

/**
 * Whether `code` is an assigned ISO 3166-1 alpha-2 code (upper case).
 *
 * @example
 * ```ts
 * isCountryCode('GB'); // true
 * isCountryCode('UK'); // false
 * ```
 */
export function isCountryCode(code: string): boolean {
  return ASSIGNED.has(code);
}

/**
 * The assigned code someone most likely meant by an unassigned one, if any.
 *
 * @example
 * ```ts
 * suggestCountry('UK'); // 'GB'
 * suggestCountry('XX'); // undefined
 * ```
 */
export function suggestCountry(code: string): string | undefined {
  return NEAR_MISSES[code.toUpperCase()];
}
