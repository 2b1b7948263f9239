/**
 * A host SSH goes through to reach an instance: a self-hosted node in front of its guests,
 * whose addresses are on the node's private network. Logged in to with the node's own key, kept
 * where its owner keeps it (only the path is stored), and its host key pinned.
 */
export interface SshJump {
  host: string
  port: number
  user: string
  hostKeyFingerprint: string
  /** `type base64`: the jump host's key for a known_hosts line. */
  hostPublicKey: string
  identityFile: string
}
