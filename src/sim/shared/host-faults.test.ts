import {describe, expect, it} from 'vitest'

import {parseHostFaults} from './host-faults.js'

describe('parseHostFaults', () => {
  const machineId = (id: string) => /^\d+$/.test(id)

  it('reads host ids to faults', () => {
    expect(parseHostFaults('broken_machines', {'4242': 'no_ssh', '7': 'no_boot'}, machineId)).toEqual({'4242': 'no_ssh', '7': 'no_boot'})
    expect(parseHostFaults('broken_machines', {}, machineId)).toEqual({})
  })

  it('refuses anything else, naming the setting', () => {
    expect(() => parseHostFaults('broken_machines', ['4242'], machineId)).toThrow(/^broken_machines must map host ids to no_ssh or no_boot$/)
    expect(() => parseHostFaults('broken_machines', {abc: 'no_ssh'}, machineId)).toThrow(/^broken_machines: abc is not a host id$/)
    expect(() => parseHostFaults('broken_machines', {'1': 'slow'}, machineId)).toThrow(/^broken_machines\.1 must be one of no_ssh, no_boot$/)
  })
})
