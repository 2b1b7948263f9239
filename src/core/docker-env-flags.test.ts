import {describe, expect, it} from 'vitest'

import {parseDockerEnvFlags, publishedPorts, variableNames} from './docker-env-flags.js'

describe('a template env string read as a create body env dict', () => {
  it('reads -e, -p and -h as vast.py does, quoted values kept whole', () => {
    const env = parseDockerEnvFlags('-p 8000:8000 -p 8081:8081/udp -e MODEL="org/name v2" -e TOKEN=a=b -e EMPTY= -h box1')
    expect(env).toEqual({'-p 8000:8000': '1', '-p 8081:8081/udp': '1', MODEL: 'org/name v2', TOKEN: 'a=b', EMPTY: '', '-h box1': '1'})
  })

  it('skips a word it does not know instead of dropping the flags after it', () => {
    expect(parseDockerEnvFlags('--gpus all -e A=1 -p not-a-port -p 70')).toEqual({A: '1', '-p 70': '1'})
    expect(parseDockerEnvFlags('')).toEqual({})
    expect(parseDockerEnvFlags('-e')).toEqual({})
  })

  it('tells published TCP ports and variable names apart from the flags', () => {
    const env = {'-p 8000:8000': '1', '-p 53:53/udp': '1', '-p 6006': '1', HF_TOKEN: 'hf_secret', '-h box': '1'}
    expect(publishedPorts(env)).toEqual([8000, 6006])
    expect(variableNames(env)).toEqual(['HF_TOKEN'])
  })
})
