import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import semver from 'semver'
import {describe, expect, it} from 'vitest'

import {REPO_ROOT} from './support/cli.js'

interface LockedPackage {
  version?: string
  engines?: {node?: string} | string[]
  optional?: boolean
}

const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {engines: {node: string}}
const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as {packages: Record<string, LockedPackage>}

/** Every installed package whose `engines.node` refuses a Node version that package.json claims to support. */
function packagesRefusing(ours: string, packages: Record<string, LockedPackage>): string[] {
  return Object.entries(packages)
    .filter(([path]) => path !== '')
    .flatMap(([path, locked]) => {
      const theirs = Array.isArray(locked.engines) ? undefined : locked.engines?.node
      if (!theirs || semver.subset(ours, theirs, {includePrerelease: false})) return []
      return [`${path.replace(/^.*node_modules\//, '')}@${locked.version} needs node ${theirs}`]
    })
}

describe('supported Node versions', () => {
  it('are accepted by every package `npm ci` installs, so installs print no EBADENGINE warning', () => {
    // Given the Node versions package.json claims, and every package of the lock file
    // (dev and optional ones too: `npm ci` installs and checks them all)
    // Then each package's own engines accept all of them
    expect(packagesRefusing(pkg.engines.node, lock.packages)).toEqual([])
  })

  it('include the Node 20 this project is developed and tested on', () => {
    expect(semver.satisfies(process.version, pkg.engines.node), `${process.version} is outside engines ${pkg.engines.node}`).toBe(true)
  })

  it('flags a package that needs a newer Node than we claim', () => {
    const packages = {'node_modules/cookie': {version: '2.0.2', engines: {node: '>=22'}}, 'node_modules/ok': {version: '1.0.0', engines: {node: '>=18'}}}
    expect(packagesRefusing('^20.19.0 || ^22.13.0', packages)).toEqual(['cookie@2.0.2 needs node >=22'])
  })
})
