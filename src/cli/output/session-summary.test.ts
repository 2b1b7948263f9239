import {describe, expect, it} from 'vitest'

import {formatClock} from './format.js'
import {eventLine} from './session-summary.js'

describe('eventLine', () => {
  it('shows a time inside the message as a local clock time, like the line\'s own time', () => {
    // Given the daemon's event for an extension, whose message carries an RFC 3339 time
    const until = '2026-03-04T15:00:00.000Z'
    const line = eventLine({at: '2026-03-04T13:00:05.000Z', from_status: null, to_status: null, message: `reservation extended by 2h to ${until}`})

    // Then no ISO timestamp is printed beside the local times
    expect(line).toContain(`reservation extended by 2h to ${formatClock(until)}`)
    expect(line).not.toMatch(/\d{4}-\d\d-\d\dT/)
  })
})
