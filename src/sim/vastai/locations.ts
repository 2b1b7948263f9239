/**
 * Where simulated hosts are, weighted like the real market: the US and Europe first, then
 * Canada, Asia, South America. Vast's `geolocation` is free text; filters use country codes.
 */
export interface Country {
  code: string
  name: string
  weight: number
  regions: readonly string[]
}

export const COUNTRIES: readonly Country[] = [
  {code: 'US', name: 'United States', weight: 40, regions: ['Texas', 'California', 'Virginia', 'Oregon', 'New York', 'Illinois', 'Washington', 'Georgia', 'Utah', 'Nevada', 'Ohio', 'Florida', 'Arizona', 'New Jersey']},
  {code: 'DE', name: 'Germany', weight: 6, regions: ['Hesse', 'Bavaria', 'Berlin', 'Saxony']},
  {code: 'NL', name: 'Netherlands', weight: 4, regions: ['North Holland', 'South Holland', 'Flevoland']},
  {code: 'SE', name: 'Sweden', weight: 3, regions: ['Stockholm', 'Västra Götaland', 'Norrbotten']},
  {code: 'ES', name: 'Spain', weight: 3, regions: ['Spain', 'Madrid', 'Catalonia']},
  {code: 'FR', name: 'France', weight: 3, regions: ['Île-de-France', 'Auvergne-Rhône-Alpes', 'Hauts-de-France']},
  {code: 'GB', name: 'United Kingdom', weight: 3, regions: ['England', 'Scotland', 'Wales']},
  {code: 'PL', name: 'Poland', weight: 2, regions: ['Masovia', 'Lesser Poland']},
  {code: 'NO', name: 'Norway', weight: 2, regions: ['Oslo', 'Vestland']},
  {code: 'FI', name: 'Finland', weight: 1.5, regions: ['Uusimaa', 'Kymenlaakso']},
  {code: 'CZ', name: 'Czechia', weight: 1.5, regions: ['Prague', 'South Moravian']},
  {code: 'RO', name: 'Romania', weight: 1, regions: ['Bucharest', 'Cluj']},
  {code: 'BG', name: 'Bulgaria', weight: 1, regions: ['Sofia City']},
  {code: 'IS', name: 'Iceland', weight: 0.5, regions: ['Capital Region']},
  {code: 'BE', name: 'Belgium', weight: 1, regions: ['Flanders', 'Brussels']},
  {code: 'CA', name: 'Canada', weight: 8, regions: ['Quebec', 'Ontario', 'British Columbia', 'Alberta', 'Manitoba']},
  {code: 'JP', name: 'Japan', weight: 2.5, regions: ['Tokyo', 'Osaka']},
  {code: 'KR', name: 'South Korea', weight: 2, regions: ['Seoul', 'Gyeonggi-do']},
  {code: 'TW', name: 'Taiwan', weight: 2, regions: ['Taipei', 'Taichung', 'Kaohsiung']},
  {code: 'CN', name: 'China', weight: 2.5, regions: ['Guangdong', 'Beijing', 'Shanghai', 'Zhejiang']},
  {code: 'SG', name: 'Singapore', weight: 1, regions: ['Singapore']},
  {code: 'IN', name: 'India', weight: 1, regions: ['Maharashtra', 'Karnataka']},
  {code: 'HK', name: 'Hong Kong', weight: 1, regions: ['Hong Kong']},
  {code: 'VN', name: 'Vietnam', weight: 1, regions: ['Hanoi', 'Ho Chi Minh City']},
  {code: 'BR', name: 'Brazil', weight: 2, regions: ['São Paulo', 'Rio de Janeiro']},
  {code: 'CL', name: 'Chile', weight: 1, regions: ['Santiago Metropolitan']},
  {code: 'AR', name: 'Argentina', weight: 0.5, regions: ['Buenos Aires']},
  {code: 'AU', name: 'Australia', weight: 1, regions: ['New South Wales', 'Victoria']},
  {code: 'ZA', name: 'South Africa', weight: 0.5, regions: ['Gauteng', 'Western Cape']},
]

const CODE_BY_NAME = new Map<string, string>(COUNTRIES.map((c) => [c.name.toLowerCase(), c.code]))
// Spellings hosts use that differ from our canonical names.
for (const [name, code] of [
  ['usa', 'US'],
  ['united states of america', 'US'],
  ['uk', 'GB'],
  ['great britain', 'GB'],
  ['czech republic', 'CZ'],
  ['korea', 'KR'],
  ['republic of korea', 'KR'],
] as const) {
  CODE_BY_NAME.set(name, code)
}

/**
 * The country code of a free-text `geolocation` ("Texas, US", ", CN", "California, United
 * States", "US"): the part after the last comma, with full country names mapped to codes.
 */
export function countryCodeOf(geolocation: string | null | undefined): string | null {
  if (!geolocation) return null
  const tail = (geolocation.includes(',') ? geolocation.slice(geolocation.lastIndexOf(',') + 1) : geolocation).trim()
  if (tail === '') return null
  if (/^[A-Za-z]{2}$/.test(tail)) return tail.toUpperCase()
  return CODE_BY_NAME.get(tail.toLowerCase()) ?? tail
}
