import {describe, expect, it} from 'vitest'

import {keysFromCloudInit} from './cloud-init.js'

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl shopper@test'

function keys(...runcmd: unknown[]) {
  return keysFromCloudInit({runcmd})
}

describe('SSH keys from cloud-init runcmd', () => {
  it('follows what cloud-gpu-shopper sent live: mkdir, echo >> for root (~) and for user, chown', () => {
    expect(
      keys(
        'mkdir -p ~/.ssh && chmod 700 ~/.ssh',
        `echo '${KEY}' >> ~/.ssh/authorized_keys`,
        'mkdir -p /home/user/.ssh',
        `echo "${KEY}" >> /home/user/.ssh/authorized_keys`,
        'chown -R user:user /home/user/.ssh && chmod 600 /home/user/.ssh/authorized_keys',
      ),
    ).toEqual({root: [KEY], user: [KEY]})
  })

  it('runs as root, so a bare ~ is /root; $HOME and ~user expand too', () => {
    expect(keys(`echo '${KEY}' >> ~/.ssh/authorized_keys`)).toEqual({root: [KEY], user: []})
    expect(keys(`echo "${KEY}" >> $HOME/.ssh/authorized_keys`)).toEqual({root: [KEY], user: []})
    expect(keys(`echo ${KEY} >> ~user/.ssh/authorized_keys`)).toEqual({root: [], user: [KEY]})
  })

  it('accepts the usual other spellings: tee, printf, >, cp, heredoc, su/sudo/runuser/bash -c, argv lists', () => {
    expect(keys(`echo '${KEY}' | tee -a /root/.ssh/authorized_keys /home/user/.ssh/authorized_keys > /dev/null`)).toEqual({root: [KEY], user: [KEY]})
    expect(keys(`printf '%s\\n' '${KEY}' > /home/user/.ssh/authorized_keys`)).toEqual({root: [], user: [KEY]})
    expect(keys(`echo '${KEY}' >> /root/.ssh/authorized_keys`, 'cp /root/.ssh/authorized_keys /home/user/.ssh/')).toEqual({root: [KEY], user: [KEY]})
    expect(keys(`cat >> /home/user/.ssh/authorized_keys <<'EOF'\n${KEY}\nEOF`)).toEqual({root: [], user: [KEY]})
    expect(keys(`su - user -c "mkdir -p ~/.ssh && echo '${KEY}' >> ~/.ssh/authorized_keys"`)).toEqual({root: [], user: [KEY]})
    expect(keys(`sudo -u user bash -c 'echo "${KEY}" >> ~/.ssh/authorized_keys'`)).toEqual({root: [], user: [KEY]})
    expect(keys(`runuser -l user -c 'echo "${KEY}" >> $HOME/.ssh/authorized_keys'`)).toEqual({root: [], user: [KEY]})
    // POSIX quoting of a quote inside the comment: 'it'\''s'
    const quoted = KEY.replace('shopper@test', "bob's key")
    expect(keys(`printf '%s\\n' '${quoted.replace(/'/g, `'\\''`)}' >> /home/user/.ssh/authorized_keys`)).toEqual({root: [], user: [quoted]})
    expect(keys(['sh', '-c', `echo '${KEY}' >> /root/.ssh/authorized_keys`])).toEqual({root: [KEY], user: []})
    // The shell's redirections and comments as bash reads them: stderr never reaches the file
    expect(keys(`echo '${KEY}' 1>> ~/.ssh/authorized_keys 2> /dev/null # root`, `echo '${KEY}' &> ~user/.ssh/authorized_keys`)).toEqual({root: [KEY], user: [KEY]})
  })

  it('installs nothing from what did not work live: no runcmd, ssh_authorized_keys, write_files, or a key never written', () => {
    expect(keysFromCloudInit(undefined)).toEqual({root: [], user: []})
    expect(keysFromCloudInit({ssh_authorized_keys: [KEY], write_files: [{path: '/home/user/.ssh/authorized_keys', content: KEY}]})).toEqual({root: [], user: []})
    expect(keys(`echo '${KEY}'`, `echo '${KEY}' >> /tmp/authorized_keys`, `false && echo '${KEY}' >> /root/.ssh/authorized_keys`)).toEqual({root: [], user: []})
    expect(keys(`echo '${KEY} >> /root/.ssh/authorized_keys`)).toEqual({root: [], user: []})
  })
})
