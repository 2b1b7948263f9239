import {z} from 'zod'

import {MAX_SSH_PUBLIC_KEY_LENGTH} from '../limits.js'

/** The quick start's key registry: only public keys are ever stored. */
export const SshKeyBody = z.object({
  title: z.string().trim().min(1, 'is required').max(100),
  key_body: z.string().trim().min(1, 'is required: an OpenSSH public key line').max(MAX_SSH_PUBLIC_KEY_LENGTH),
})
export type SshKeyBody = z.infer<typeof SshKeyBody>

export const SshKeyDto = z.object({
  id: z.string(),
  title: z.string(),
  /** `SHA256:...` as `ssh-keygen -lf` prints it. */
  fingerprint: z.string(),
  key_type: z.string(),
  /** The public key line as stored (type and base64, no comment). */
  public_key: z.string(),
  created_at: z.string(),
})
export type SshKeyDto = z.infer<typeof SshKeyDto>

export const SshKeysReply = z.object({ssh_keys: z.array(SshKeyDto), count: z.number().int()})
export type SshKeysReply = z.infer<typeof SshKeysReply>

export const SshKeyIdParams = z.object({id: z.string().trim().min(1).max(200)})

export const SshKeyRemovedReply = z.object({message: z.string(), id: z.string()})
export type SshKeyRemovedReply = z.infer<typeof SshKeyRemovedReply>
