import {describe, expect, it} from 'vitest'

import {copyPlan, parseCopyEnd} from './copy-spec.js'

describe('copy paths', () => {
  it('reads <session-id>:<path> as remote and anything path-like as local', () => {
    expect(parseCopyEnd('sess-abc:/workspace/x')).toEqual({kind: 'remote', sessionId: 'sess-abc', path: '/workspace/x'})
    expect(parseCopyEnd('sess-abc:')).toEqual({kind: 'remote', sessionId: 'sess-abc', path: ''})
    expect(parseCopyEnd('./a:b')).toEqual({kind: 'local', path: './a:b'})
    expect(parseCopyEnd('/tmp/a:b')).toEqual({kind: 'local', path: '/tmp/a:b'})
    expect(parseCopyEnd('dir/a:b')).toEqual({kind: 'local', path: 'dir/a:b'})
    expect(parseCopyEnd('file.bin')).toEqual({kind: 'local', path: 'file.bin'})
  })

  it('knows the direction and refuses two local or two remote ends', () => {
    expect(copyPlan('a.bin', 'sess-1:/w/a.bin')).toEqual({direction: 'upload', local: 'a.bin', sessionId: 'sess-1', remote: '/w/a.bin'})
    expect(copyPlan('sess-1:a.bin', '.')).toEqual({direction: 'download', local: '.', sessionId: 'sess-1', remote: 'a.bin'})
    expect(() => copyPlan('a', 'b')).toThrow(/must name a session/)
    expect(() => copyPlan('sess-1:a', 'sess-2:b')).toThrow(/both on sessions/)
  })
})
