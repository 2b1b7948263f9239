import {describe, expect, it} from 'vitest'

import {staleProvidersWarning} from './stale-warning.js'

describe('staleProvidersWarning', () => {
  it('names every stale provider in one warning', () => {
    expect(staleProvidersWarning(['tensordock'])).toMatch(/^tensordock is not answering: its offers are the last ones seen/)
    expect(staleProvidersWarning(['vastai', 'tensordock'])).toMatch(/^vastai, tensordock are not answering: their offers/)
  })

  it('says nothing when every provider answered', () => {
    expect(staleProvidersWarning([])).toBeNull()
  })
})
