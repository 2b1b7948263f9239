import {describe, expect, it} from 'vitest'

import {checkProvisionForm, expectedCost} from './provision-fields.js'

const ok = {consumer: 'my-app', hours: '2', disk: '50', keyIds: []}

describe('provision form', () => {
  it('accepts a valid form and names the field that is wrong otherwise', () => {
    expect(checkProvisionForm(ok)).toBeNull()
    expect(checkProvisionForm({...ok, consumer: ''})).toMatch(/^Consumer is required/)
    expect(checkProvisionForm({...ok, consumer: 'a b'})).toMatch(/^Consumer/)
    expect(checkProvisionForm({...ok, hours: '13'})).toMatch(/^Hours .* 1 to 12/)
    expect(checkProvisionForm({...ok, hours: ''})).toMatch(/^Hours/)
    expect(checkProvisionForm({...ok, disk: '5'})).toMatch(/^Disk GB/)
  })

  it('prices the whole reservation in integer micro-USD', () => {
    expect(expectedCost(485_400, 3)).toBe(1_456_200)
    expect(Number.isInteger(expectedCost(333_333, 12))).toBe(true)
  })
})
