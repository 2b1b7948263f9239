import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {enableCompileCache} from './compile-cache.js'

/** A stand-in for node:module that records what it was asked and answers as Node does. */
function nodeModule(answer: (dir?: string) => {status: number; message?: string; directory?: string}) {
  const calls: Array<string | undefined> = []
  return {
    calls,
    module: {
      enableCompileCache: (dir?: string) => {
        calls.push(dir)
        return answer(dir)
      },
    },
  }
}

describe('enableCompileCache', () => {
  it('does nothing on a Node without a compile cache (Node 20)', () => {
    expect(enableCompileCache({GPU_SHOPPER_HOME: '/h'}, {})).toBeUndefined()
  })

  it('keeps the cache in the user cache directory, under GPU_SHOPPER_HOME when set', () => {
    // Given a Node that has the cache, when the CLI starts in a GPU_SHOPPER_HOME
    const node = nodeModule((dir) => ({status: 1, directory: dir}))
    const dir = enableCompileCache({GPU_SHOPPER_HOME: '/home/me/gs'}, node.module)

    // Then the cache is <home>/cache/compile-cache
    expect(node.calls).toEqual([join('/home/me/gs', 'cache', 'compile-cache')])
    expect(dir).toBe(join('/home/me/gs', 'cache', 'compile-cache'))
  })

  it('follows XDG_CACHE_HOME without GPU_SHOPPER_HOME', () => {
    const node = nodeModule((dir) => ({status: 1, directory: dir}))
    enableCompileCache({XDG_CACHE_HOME: '/xdg/cache'}, node.module)
    expect(node.calls).toEqual([join('/xdg/cache', 'gpu-shopper', 'compile-cache')])
  })

  it('lets NODE_COMPILE_CACHE choose the directory, as Node recommends', () => {
    const node = nodeModule(() => ({status: 2, directory: '/elsewhere'}))
    expect(enableCompileCache({NODE_COMPILE_CACHE: '/elsewhere', GPU_SHOPPER_HOME: '/h'}, node.module)).toBe('/elsewhere')
    expect(node.calls).toEqual([undefined])
  })

  it('carries on without a cache when the directory cannot be used', () => {
    // Node reports a read-only or blocked directory in its answer
    const failed = nodeModule(() => ({status: 0, message: 'EACCES: permission denied'}))
    expect(enableCompileCache({GPU_SHOPPER_HOME: '/h'}, failed.module)).toBeUndefined()

    // and a Node that threw instead would not stop the command either
    const throwing = {
      enableCompileCache: () => {
        throw new Error('ENOTDIR')
      },
    }
    expect(enableCompileCache({GPU_SHOPPER_HOME: '/h'}, throwing)).toBeUndefined()
  })
})
