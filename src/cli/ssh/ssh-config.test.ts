import {lstat, mkdir, mkdtemp, readFile, rm, symlink, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {INCLUDE_LINE, hasInclude, renderSshConfig, type SshConfigEntry, sshConfigPaths, withInclude, writeSshConfig} from './ssh-config.js'

const entry = (id: string, extra: Partial<SshConfigEntry> = {}): SshConfigEntry => ({
  sessionId: id,
  host: '127.0.0.1',
  port: 40022,
  user: 'root',
  identityFile: `/data/keys/${id}`,
  knownHostsFile: `/data/known_hosts/${id}`,
  ...extra,
})

const OTHER = 'Host other\n  HostName example.com\n  User me\n'

describe('renderSshConfig', () => {
  it('writes one complete Host block per session', () => {
    const text = renderSshConfig([entry('sess-1'), entry('sess-2', {user: 'user', port: 22, identityFile: '/my keys/k'})])
    expect(text).toContain(
      [
        'Host gpu-sess-1',
        '  HostName 127.0.0.1',
        '  Port 40022',
        '  User root',
        '  IdentityFile /data/keys/sess-1',
        '  UserKnownHostsFile /data/known_hosts/sess-1',
        '  StrictHostKeyChecking yes',
        '  IdentitiesOnly yes',
      ].join('\n'),
    )
    expect(text).toContain('Host gpu-sess-2\n  HostName 127.0.0.1\n  Port 22\n  User user\n  IdentityFile "/my keys/k"')
  })

  it('says how to finish an entry without a local key', () => {
    expect(renderSshConfig([entry('sess-3', {identityFile: null})])).toMatch(/# No private key .*IdentityFile/)
  })
})

describe('Include line', () => {
  it('goes first, once, keeping the rest byte for byte', () => {
    const once = withInclude(OTHER)
    expect(once).toBe(`${INCLUDE_LINE}\n\n${OTHER}`)
    expect(withInclude(once)).toBe(once)
    expect(hasInclude('  include  ~/.ssh/gpu-shopper.config\n')).toBe(true)
    expect(hasInclude('# Include ~/.ssh/gpu-shopper.config\n')).toBe(false)
  })
})

describe('writeSshConfig on a temp HOME', () => {
  let home: string
  const paths = () => sshConfigPaths({HOME: home})
  const yes = async () => true
  const no = async () => false

  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'gpu-shopper-sshcfg-'))
  })
  afterEach(async () => {
    await rm(home, {recursive: true, force: true})
  })

  it('without consent writes only its own file and leaves ~/.ssh/config alone', async () => {
    // Given a user config with someone else's entry
    await mkdir(join(home, '.ssh'))
    await writeFile(join(home, '.ssh', 'config'), OTHER)
    // When written without consent
    const result = await writeSshConfig([entry('sess-1')], {paths: paths(), mayEditUserConfig: no})
    // Then our file exists, 0600 in a 0700 ~/.ssh, and the user's config is unchanged
    expect(result).toMatchObject({included: false, includeAdded: false, hosts: ['gpu-sess-1']})
    expect(await readFile(join(home, '.ssh', 'gpu-shopper.config'), 'utf8')).toContain('Host gpu-sess-1')
    expect((await lstat(join(home, '.ssh', 'gpu-shopper.config'))).mode & 0o777).toBe(0o600)
    expect((await lstat(join(home, '.ssh'))).mode & 0o777).toBe(0o700)
    expect(await readFile(join(home, '.ssh', 'config'), 'utf8')).toBe(OTHER)
  })

  it('with consent adds the Include once, creating ~/.ssh when missing, and is idempotent', async () => {
    const first = await writeSshConfig([entry('sess-1')], {paths: paths(), mayEditUserConfig: yes})
    let asked = false
    const second = await writeSshConfig([entry('sess-1')], {
      paths: paths(),
      mayEditUserConfig: async () => {
        asked = true
        return true
      },
    })
    expect(first.includeAdded).toBe(true)
    expect(second).toMatchObject({included: true, includeAdded: false})
    expect(asked).toBe(false)
    const config = await readFile(join(home, '.ssh', 'config'), 'utf8')
    expect(config).toBe(`${INCLUDE_LINE}\n`)
    expect((await lstat(join(home, '.ssh', 'config'))).mode & 0o777).toBe(0o600)
  })

  it('rewrites its own file so ended sessions disappear, never touching other entries', async () => {
    await mkdir(join(home, '.ssh'), {mode: 0o755})
    await writeFile(join(home, '.ssh', 'config'), OTHER)
    await writeSshConfig([entry('sess-1'), entry('sess-2')], {paths: paths(), mayEditUserConfig: yes})
    await writeSshConfig([entry('sess-2')], {paths: paths(), mayEditUserConfig: yes})
    const own = await readFile(join(home, '.ssh', 'gpu-shopper.config'), 'utf8')
    expect(own).not.toContain('gpu-sess-1')
    expect(own).toContain('Host gpu-sess-2')
    expect(await readFile(join(home, '.ssh', 'config'), 'utf8')).toBe(`${INCLUDE_LINE}\n\n${OTHER}`)
    expect((await lstat(join(home, '.ssh'))).mode & 0o777).toBe(0o700)
  })

  it('writes through a symlinked ~/.ssh/config instead of replacing the link', async () => {
    await mkdir(join(home, '.ssh'))
    await mkdir(join(home, 'dotfiles'))
    await writeFile(join(home, 'dotfiles', 'ssh_config'), OTHER)
    await symlink(join(home, 'dotfiles', 'ssh_config'), join(home, '.ssh', 'config'))
    await writeSshConfig([], {paths: paths(), mayEditUserConfig: yes})
    expect((await lstat(join(home, '.ssh', 'config'))).isSymbolicLink()).toBe(true)
    expect(await readFile(join(home, 'dotfiles', 'ssh_config'), 'utf8')).toBe(`${INCLUDE_LINE}\n\n${OTHER}`)
  })
})
