import {execFile} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {mkdir, readFile, stat, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {promisify} from 'node:util'

import {describe, expect, it} from 'vitest'

import {generateSessionKeyPair} from '../../src/ssh/keys.js'
import {REPO_ROOT} from '../support/cli.js'
import {simulatedDaemonCli} from '../support/simulated-daemon-cli.js'

const run = promisify(execFile)

/**
 * Getting onto a rented GPU through the real binary and the system OpenSSH client: registered
 * keys, `connect`, `--print`, `ssh-config`, `copy` over SFTP, against `daemon start --simulate`
 * whose instances are real SSH servers on 127.0.0.1. HOME is a temp dir too, so ~/.ssh is ours.
 */
describe('access to a session through the CLI binary', () => {
  let userHome: string
  let keyId: string
  let registeredKeyFile: string
  let sessionId: string
  const {home, cli, ok, data} = simulatedDaemonCli({
    // HOME in the temp home too: every command here, the daemon and ssh included, runs with it
    async beforeStart(temp) {
      userHome = join(temp.home, 'user-home')
      await mkdir(join(userHome, '.ssh'), {recursive: true, mode: 0o700})
      temp.env.HOME = userHome
    },
  })

  it('registers a key, refuses it twice with the existing id, and lists its fingerprint', async () => {
    // Given a key pair whose private half only the user has
    const pair = generateSessionKeyPair('laptop')
    registeredKeyFile = join(home().home, 'laptop_ed25519')
    await writeFile(registeredKeyFile, pair.privateKey, {mode: 0o600})
    await writeFile(`${registeredKeyFile}.pub`, `${pair.publicKey}\n`)

    // When it is registered (with the quick start's spelling), then again
    const added = await data('iam', 'ssh-keys', 'add', '--title', 'laptop-ed25519', '--key', pair.publicKey)
    keyId = added.id
    const again = await cli(['ssh-keys', 'add', '--title', 'again', '--key-file', `${registeredKeyFile}.pub`])

    // Then the repeat exits 4 naming the key's id, and the list shows it by SHA256 fingerprint
    expect(added.fingerprint).toMatch(/^SHA256:/)
    expect(again.exitCode).toBe(4)
    expect(again.stderr).toContain(keyId)
    const listed = await ok('ssh-keys', 'list')
    expect(listed.stdout).toContain(keyId)
    expect(listed.stdout).toContain(added.fingerprint)
  })

  it('provisions an RTX 4090 with the registered key and runs nvidia-smi over system ssh', async () => {
    const provisioned = await data('provision', '--gpu-type', 'RTX 4090', '--ssh-key-id', keyId, '--wait', '--timeout', '60')
    sessionId = provisioned.session.id
    expect(provisioned.session.status).toBe('running')
    expect(provisioned.session.ssh_key_ids).toContain(keyId)
    const fixture = await readFile(join(REPO_ROOT, 'fixtures', 'nvidia-smi', 'nvidia-smi.txt'), 'utf8')

    // When nvidia-smi runs with the session's own key, then with the registered one
    const own = await ok('connect', sessionId, '--', 'nvidia-smi')
    const registered = await ok('ssh', sessionId, '--identity', registeredKeyFile, '--', 'nvidia-smi')

    // Then both print the rented RTX 4090 in the real driver's table layout, not a canned H100
    for (const out of [own.stdout, registered.stdout]) {
      const lines = out.split('\n')
      expect(lines.slice(3, 8)).toEqual(fixture.split('\n').slice(3, 8))
      expect(lines[2]).toMatch(/^\| NVIDIA-SMI \S+ +Driver Version: \S+ +CUDA Version: \d+\.\d +\|$/)
      expect(lines[2]).toHaveLength(fixture.split('\n')[2]!.length)
      expect(out).toMatch(/^\| {3}0 {2}NVIDIA GeForce RTX 4090 {8}Off \|/m)
      expect(out).not.toContain('H100')
    }
    const failing = await cli(['connect', sessionId, '--', 'no-such-command'])
    expect(failing.exitCode).toBe(127)
  }, 120_000)

  it('prints a command that works when pasted into a shell', async () => {
    const printed = (await ok('connect', sessionId, '--print')).stdout.trim()
    expect(printed.split('\n')).toHaveLength(1)
    expect(printed).toMatch(/^ssh -i .* -o StrictHostKeyChecking=yes /)
    const known = /UserKnownHostsFile=(\S+)/.exec(printed)![1]!
    expect((await stat(known)).mode & 0o777).toBe(0o600)
    expect(await readFile(known, 'utf8')).toMatch(/^\[127\.0\.0\.1\]:\d+ ssh-\S+ \S+\n$/)

    const {stdout} = await run('bash', ['-c', `${printed} echo hello`], {env: home().env})
    expect(stdout).toBe('hello\n')
  })

  it('copies a 200 KB file up and back byte for byte', async () => {
    const original = randomBytes(200 * 1024)
    const local = join(home().home, 'random.bin')
    const back = join(home().home, 'back.bin')
    await writeFile(local, original)
    await ok('copy', local, `${sessionId}:/workspace/random.bin`)
    await ok('copy', `${sessionId}:/workspace/random.bin`, back)
    expect((await readFile(back)).equals(original)).toBe(true)
  })

  it('shows a copied file to the session\'s shell, and copies back what the shell wrote: one machine', async () => {
    // Given a text file copied up
    const local = join(home().home, 'notes.txt')
    await writeFile(local, 'lr=3e-4\nepochs=3\n')
    await ok('copy', local, `${sessionId}:/workspace/notes.txt`)

    // When the shell reads it and writes a file of its own
    const read = await ok('connect', sessionId, '--', 'cat /workspace/notes.txt | grep epochs && ls /workspace')
    await ok('connect', sessionId, '--', 'nvidia-smi -L > /workspace/gpus.txt')
    const back = join(home().home, 'gpus.txt')
    await ok('copy', `${sessionId}:/workspace/gpus.txt`, back)

    // Then each side sees the other's file
    expect(read.stdout).toBe('epochs=3\nnotes.txt\nrandom.bin\n')
    expect(await readFile(back, 'utf8')).toMatch(/^GPU 0: NVIDIA GeForce RTX 4090 \(UUID: GPU-[0-9a-f-]{36}\)\n$/)
  })

  it('writes ssh-config blocks with consent, and drops them once the session has ended', async () => {
    // Given a user config with an unrelated entry
    const userConfig = join(userHome, '.ssh', 'config')
    const other = 'Host other\n  HostName example.com\n'
    await writeFile(userConfig, other, {mode: 0o600})

    // When ssh-config runs with --yes
    await ok('ssh-config', '--yes')

    // Then the Include comes first, the block is there, and ssh can use it
    const ownFile = join(userHome, '.ssh', 'gpu-shopper.config')
    expect(await readFile(userConfig, 'utf8')).toBe(`Include ~/.ssh/gpu-shopper.config\n\n${other}`)
    expect(await readFile(ownFile, 'utf8')).toContain(`Host gpu-${sessionId}`)
    expect((await stat(ownFile)).mode & 0o777).toBe(0o600)
    const {stdout} = await run('ssh', ['-F', userConfig, `gpu-${sessionId}`, 'echo', 'via-config'], {env: home().env})
    expect(stdout).toBe('via-config\n')

    // When the session ends and ssh-config runs again
    await ok('done', sessionId, '--wait')
    await ok('ssh-config', '--yes')

    // Then its block is gone, and the user's config has one Include and the untouched entry
    expect(await readFile(ownFile, 'utf8')).not.toContain(`Host gpu-${sessionId}`)
    expect(await readFile(userConfig, 'utf8')).toBe(`Include ~/.ssh/gpu-shopper.config\n\n${other}`)
  }, 120_000)

  it('refuses to connect to a stopped session, naming its state', async () => {
    const refused = await cli(['connect', sessionId, '--', 'echo', 'hi'])
    expect(refused.exitCode).toBe(4)
    expect(refused.stderr).toMatch(/is stopped/)
    expect(refused.stderr).toMatch(/provision/)
  })
})
