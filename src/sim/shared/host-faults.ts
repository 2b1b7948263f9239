/**
 * Hosts that fail whoever rents them, as bad marketplace hosts do live (for offer health and
 * auto-retry): `no_ssh` boots but its sshd takes no key (the instance shows running, SSH never
 * gets in); `no_boot` never comes up (each simulator fails it its provider's way).
 */
export const HOST_FAULTS = ['no_ssh', 'no_boot'] as const
export type HostFault = (typeof HOST_FAULTS)[number]

/** Reads a `{"<host id>": "no_ssh" | "no_boot"}` setting; throws with a message naming `setting` on bad input. */
export function parseHostFaults(setting: string, value: unknown, isHostId: (id: string) => boolean): Record<string, HostFault> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${setting} must map host ids to ${HOST_FAULTS.join(' or ')}`)
  const faults: Record<string, HostFault> = {}
  for (const [id, fault] of Object.entries(value as Record<string, unknown>)) {
    if (!isHostId(id)) throw new Error(`${setting}: ${id} is not a host id`)
    if (!(HOST_FAULTS as readonly unknown[]).includes(fault)) throw new Error(`${setting}.${id} must be one of ${HOST_FAULTS.join(', ')}`)
    faults[id] = fault as HostFault
  }
  return faults
}
