/**
 * Provider locations are free text ("Texas, US", ", CN", "California, United States",
 * "Texas, Texas, United States"); filters and grouping need an ISO 3166-1 alpha-2 code.
 */

const ISO_ALPHA2 = new Set(
  (
    'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ ' +
    'CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR ' +
    'GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO ' +
    'JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR ' +
    'MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO ' +
    'RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV ' +
    'TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW'
  ).split(' '),
)

/** Codes people write that are not ISO. */
const CODE_ALIASES: Record<string, string> = {UK: 'GB', EL: 'GR'}

// "Georgia" is left out on purpose: as a last part it is far more often the US state.
const COUNTRY_NAMES: Record<string, string> = {
  'united states': 'US', 'united states of america': 'US', usa: 'US', 'u.s.a.': 'US', america: 'US',
  canada: 'CA', mexico: 'MX', brazil: 'BR', argentina: 'AR', chile: 'CL', colombia: 'CO', peru: 'PE',
  uruguay: 'UY', 'united kingdom': 'GB', 'great britain': 'GB', britain: 'GB', england: 'GB',
  scotland: 'GB', wales: 'GB', 'northern ireland': 'GB', ireland: 'IE', france: 'FR', germany: 'DE',
  deutschland: 'DE', netherlands: 'NL', 'the netherlands': 'NL', holland: 'NL', belgium: 'BE',
  luxembourg: 'LU', switzerland: 'CH', austria: 'AT', spain: 'ES', portugal: 'PT', italy: 'IT',
  poland: 'PL', 'czech republic': 'CZ', czechia: 'CZ', slovakia: 'SK', hungary: 'HU', romania: 'RO',
  bulgaria: 'BG', greece: 'GR', sweden: 'SE', norway: 'NO', finland: 'FI', denmark: 'DK', iceland: 'IS',
  estonia: 'EE', latvia: 'LV', lithuania: 'LT', ukraine: 'UA', belarus: 'BY', moldova: 'MD',
  russia: 'RU', 'russian federation': 'RU', serbia: 'RS', croatia: 'HR', slovenia: 'SI',
  'bosnia and herzegovina': 'BA', 'north macedonia': 'MK', albania: 'AL', cyprus: 'CY', malta: 'MT',
  turkey: 'TR', 'türkiye': 'TR', turkiye: 'TR', israel: 'IL', 'united arab emirates': 'AE', uae: 'AE',
  'saudi arabia': 'SA', qatar: 'QA', india: 'IN', pakistan: 'PK', bangladesh: 'BD', china: 'CN',
  "people's republic of china": 'CN', 'hong kong': 'HK', taiwan: 'TW', japan: 'JP', 'south korea': 'KR',
  korea: 'KR', 'republic of korea': 'KR', singapore: 'SG', malaysia: 'MY', thailand: 'TH', vietnam: 'VN',
  'viet nam': 'VN', indonesia: 'ID', philippines: 'PH', kazakhstan: 'KZ', australia: 'AU',
  'new zealand': 'NZ', 'south africa': 'ZA', egypt: 'EG', nigeria: 'NG', kenya: 'KE', morocco: 'MA',
}

function parts(geolocation: string): string[] {
  return geolocation.split(',').map((p) => p.trim().replace(/\s+/g, ' ')).filter((p) => p !== '')
}

/** A readable location: empty parts dropped (", CN" → "CN"), repeated parts once ("Texas, Texas, US" → "Texas, US"). */
export function cleanLocation(geolocation: string | null | undefined): string {
  if (!geolocation) return ''
  const out: string[] = []
  for (const part of parts(geolocation)) {
    if (out.length === 0 || out[out.length - 1]?.toLowerCase() !== part.toLowerCase()) out.push(part)
  }
  return out.join(', ')
}

/** An ISO alpha-2 code ("US") for a 2-letter code or a common country name; null when unsure. */
export function countryCode(text: string): string | null {
  const trimmed = text.trim()
  if (/^[A-Za-z]{2}$/.test(trimmed)) {
    const upper = trimmed.toUpperCase()
    const code = CODE_ALIASES[upper] ?? upper
    return ISO_ALPHA2.has(code) ? code : null
  }
  return COUNTRY_NAMES[trimmed.toLowerCase().replace(/\s+/g, ' ')] ?? null
}

/** The country of a provider location string, read from its last part. */
export function countryCodeFromLocation(geolocation: string | null | undefined): string | null {
  if (!geolocation) return null
  const last = parts(geolocation).at(-1)
  return last === undefined ? null : countryCode(last)
}

/** Whether `filter` (a code, a country name or a substring) matches a location. */
export function locationMatches(location: string, locationCountryCode: string | null, filter: string): boolean {
  const wanted = filter.trim()
  if (wanted === '') return true
  const code = countryCode(wanted)
  if (code !== null && locationCountryCode === code) return true
  // A bare 2-letter filter is a code, not a substring: "US" must not match "Russia".
  if (/^[A-Za-z]{2}$/.test(wanted)) return false
  return location.toLowerCase().includes(wanted.toLowerCase())
}
