import {describe, expect, it} from 'vitest'

import {cleanLocation, countryCode, countryCodeFromLocation, locationMatches} from './location.js'

describe('countryCodeFromLocation', () => {
  it.each([
    ['Texas, US', 'US'],
    [', CN', 'CN'],
    ['California, United States', 'US'],
    ['US', 'US'],
    ['Spain, ES', 'ES'],
    ['Quebec, CA', 'CA'],
    ['Ontario, Canada', 'CA'],
    ['Bavaria, Germany', 'DE'],
    ['Texas, Texas, United States', 'US'],
    ['Winnipeg, Manitoba, Canada', 'CA'],
    ['Noord-Holland, NL', 'NL'],
    ['Netherlands', 'NL'],
    ['The Netherlands', 'NL'],
    ['London, United Kingdom', 'GB'],
    ['London, UK', 'GB'],
    ['Taipei, Taiwan', 'TW'],
    ['Seoul, South Korea', 'KR'],
    ['Hong Kong, HK', 'HK'],
    ['Hanoi, Vietnam', 'VN'],
    ['Sao Paulo, Brazil', 'BR'],
    ['  texas ,  us  ', 'US'],
    ['Oslo, NORWAY', 'NO'],
    ['Austin, TX', null],
    ['Atlantis', null],
    ['Atlanta, Georgia', null],
    ['', null],
    [',', null],
    [' , ', null],
  ])('%j → %s', (geolocation, expected) => {
    expect(countryCodeFromLocation(geolocation)).toBe(expected)
  })

  it('treats null and undefined as unknown', () => {
    expect(countryCodeFromLocation(null)).toBeNull()
    expect(countryCodeFromLocation(undefined)).toBeNull()
  })
})

describe('cleanLocation', () => {
  it.each([
    [', CN', 'CN'],
    ['Texas, US', 'Texas, US'],
    ['Texas, Texas, United States', 'Texas, United States'],
    ['  Spain ,ES ', 'Spain, ES'],
    ['Chicago,  Illinois', 'Chicago, Illinois'],
    ['', ''],
  ])('%j → %j', (raw, expected) => {
    expect(cleanLocation(raw)).toBe(expected)
  })
})

describe('countryCode', () => {
  it.each([
    ['us', 'US'],
    ['DE', 'DE'],
    ['united states', 'US'],
    ['ZZ', null],
    ['Germany', 'DE'],
  ])('%j → %s', (text, expected) => {
    expect(countryCode(text)).toBe(expected)
  })
})

describe('locationMatches', () => {
  it.each([
    ['Texas, US', 'US', 'US', true],
    ['Texas, US', 'US', 'us', true],
    ['Moscow, Russia', 'RU', 'US', false],
    ['Texas, US', 'US', 'texas', true],
    ['Texas, US', 'US', 'United States', true],
    ['Bavaria, DE', 'DE', 'Germany', true],
    ['Bavaria, DE', 'DE', 'US', false],
    ['Bavaria, DE', 'DE', '', true],
  ])('%j (%s) vs %j → %s', (location, code, filter, expected) => {
    expect(locationMatches(location, code, filter)).toBe(expected)
  })
})
