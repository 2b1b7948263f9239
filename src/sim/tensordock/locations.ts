/**
 * Cities TensorDock has listed, US-heavy, then Canada and Europe (providers.md §2.4). The
 * spellings are TensorDock's: full state and country names, and live quirks kept on purpose:
 * "Texas, Texas" repeats city and state, Joplin is where creates actually worked.
 */
export interface SiteTemplate {
  city: string
  stateprovince: string
  country: string
  /** Always listed, whatever the location count: the live quirks tests rely on. */
  pinned?: boolean
}

export const SITES: readonly SiteTemplate[] = [
  {city: 'Chicago', stateprovince: 'Illinois', country: 'United States', pinned: true},
  {city: 'Joplin', stateprovince: 'Missouri', country: 'United States', pinned: true},
  {city: 'Texas', stateprovince: 'Texas', country: 'United States', pinned: true},
  {city: 'Chubbuck', stateprovince: 'Idaho', country: 'United States', pinned: true},
  {city: 'Winnipeg', stateprovince: 'Manitoba', country: 'Canada', pinned: true},
  {city: 'Amsterdam', stateprovince: 'North Holland', country: 'Netherlands', pinned: true},
  {city: 'Ashburn', stateprovince: 'Virginia', country: 'United States'},
  {city: 'Dallas', stateprovince: 'Texas', country: 'United States'},
  {city: 'Kansas City', stateprovince: 'Missouri', country: 'United States'},
  {city: 'Las Vegas', stateprovince: 'Nevada', country: 'United States'},
  {city: 'Orlando', stateprovince: 'Florida', country: 'United States'},
  {city: 'Atlanta', stateprovince: 'Georgia', country: 'United States'},
  {city: 'Los Angeles', stateprovince: 'California', country: 'United States'},
  {city: 'San Jose', stateprovince: 'California', country: 'United States'},
  {city: 'Seattle', stateprovince: 'Washington', country: 'United States'},
  {city: 'New York', stateprovince: 'New York', country: 'United States'},
  {city: 'Phoenix', stateprovince: 'Arizona', country: 'United States'},
  {city: 'Denver', stateprovince: 'Colorado', country: 'United States'},
  {city: 'Salt Lake City', stateprovince: 'Utah', country: 'United States'},
  {city: 'Portland', stateprovince: 'Oregon', country: 'United States'},
  {city: 'Miami', stateprovince: 'Florida', country: 'United States'},
  {city: 'Boston', stateprovince: 'Massachusetts', country: 'United States'},
  {city: 'Manassas', stateprovince: 'Virginia', country: 'United States'},
  {city: 'Omaha', stateprovince: 'Nebraska', country: 'United States'},
  {city: 'Minneapolis', stateprovince: 'Minnesota', country: 'United States'},
  {city: 'Columbus', stateprovince: 'Ohio', country: 'United States'},
  {city: 'Pittsburgh', stateprovince: 'Pennsylvania', country: 'United States'},
  {city: 'Charlotte', stateprovince: 'North Carolina', country: 'United States'},
  {city: 'Toronto', stateprovince: 'Ontario', country: 'Canada'},
  {city: 'Montreal', stateprovince: 'Quebec', country: 'Canada'},
  {city: 'Vancouver', stateprovince: 'British Columbia', country: 'Canada'},
  {city: 'Frankfurt', stateprovince: 'Hesse', country: 'Germany'},
  {city: 'London', stateprovince: 'England', country: 'United Kingdom'},
  {city: 'Helsinki', stateprovince: 'Uusimaa', country: 'Finland'},
  {city: 'Stockholm', stateprovince: 'Stockholm', country: 'Sweden'},
  {city: 'Warsaw', stateprovince: 'Masovian', country: 'Poland'},
  {city: 'Oslo', stateprovince: 'Oslo', country: 'Norway'},
  {city: 'Paris', stateprovince: 'Ile-de-France', country: 'France'},
  {city: 'Madrid', stateprovince: 'Madrid', country: 'Spain'},
  {city: 'Milan', stateprovince: 'Lombardy', country: 'Italy'},
]
