import {describe, expect, it} from 'vitest'

import {userRefusalOf} from '../../../test/support/user-refusal.js'
import {launchBody} from './launch-flags.js'

const refusal = (run: () => unknown): string => userRefusalOf(run).message

describe('launchBody', () => {
  it('sends only what was given', () => {
    expect(launchBody({})).toEqual({})
    expect(launchBody({image: 'img:1', 'on-start': 'python a.py', expose: [8000, 6006], 'model-id': 'org/m'})).toEqual({image: 'img:1', on_start: 'python a.py', expose: [8000, 6006], model_id: 'org/m'})
  })

  it('reads NAME=VALUE (the value may hold =), and NAME alone from the environment so a token stays out of shell history', () => {
    expect(launchBody({env: ['A=1', 'B=x=y', 'C=', 'HF_TOKEN']}, {HF_TOKEN: 'hf_abc'})).toEqual({env: {A: '1', B: 'x=y', C: '', HF_TOKEN: 'hf_abc'}})
  })

  it('names the flag and the fix', () => {
    expect(refusal(() => launchBody({env: ['MISSING']}, {}))).toBe('--env MISSING is not set in your environment; write MISSING=VALUE or export it first')
    expect(refusal(() => launchBody({env: ['=v']}))).toBe('--env "=v" has no name; write NAME=VALUE')
    expect(refusal(() => launchBody({expose: [0]}))).toBe('--expose must be a port number 1-65535 (got 0)')
  })
})
