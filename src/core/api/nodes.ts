import {z} from 'zod'

import {MAX_CPU_SLICES, MAX_PRICE_USD_PER_HOUR} from '../limits.js'
import {LIBVIRT_NAME, LIBVIRT_NAME_RULE, LIBVIRT_URIS, NODE_NAME, NODE_NAME_RULE, VIRT_TYPES} from '../node.js'

export const NodeName = z.string().trim().regex(NODE_NAME, `must be ${NODE_NAME_RULE}`)
const LibvirtName = z.string().trim().regex(LIBVIRT_NAME, `must be ${LIBVIRT_NAME_RULE}`)
const HostKeyFingerprint = z
  .string()
  .trim()
  .regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'must be a SHA256 fingerprint as `ssh-keygen -lf` prints it (SHA256: and 43 base64 characters)')
const UsdPerHour = z.number().min(0, 'must be 0 or more').max(MAX_PRICE_USD_PER_HOUR)

/** `POST /nodes`: where the node is, how we log in, what the owner charges, how libvirt is set up there. */
export const NodeBody = z.object({
  name: NodeName,
  host: z
    .string()
    .trim()
    .min(1, 'is required')
    .max(253)
    .regex(/^[A-Za-z0-9.:_-]+$/, 'must be a host name or an IP address'),
  port: z.number().int().min(1).max(65535).default(22),
  user: z
    .string()
    .trim()
    .regex(/^[a-z_][a-z0-9_.-]{0,31}$/, 'must be a Unix user name'),
  /** Absolute path of the private key on the daemon's machine; the daemon reads it at each connection and never copies it. */
  identity_file: z.string().trim().min(2).max(4096).startsWith('/', 'must be an absolute path'),
  region: z
    .string()
    .trim()
    .min(1, 'is required')
    .max(64)
    .regex(/^[A-Za-z0-9 ._,-]+$/, 'may use letters, digits, spaces and . _ , -'),
  /** USD per GPU-hour a GPU slice costs. */
  price_per_gpu_hour: UsdPerHour,
  cpu_slices: z.number().int().min(0).max(MAX_CPU_SLICES).default(0),
  cpu_slice_price_per_hour: UsdPerHour.default(0),
  libvirt_uri: z.enum(LIBVIRT_URIS).optional(),
  storage_pool: LibvirtName.optional(),
  network: LibvirtName.optional(),
  base_image: LibvirtName.optional(),
  virt_type: z.enum(VIRT_TYPES).optional(),
  trust_host_key: HostKeyFingerprint.optional(),
})
export type NodeBody = z.input<typeof NodeBody>

export const NodeNameParams = z.object({name: NodeName})

export const TrustHostKeyBody = z.object({host_key: HostKeyFingerprint})
export type TrustHostKeyBody = z.infer<typeof TrustHostKeyBody>

const FindingDto = z.object({
  code: z.string(),
  severity: z.enum(['blocker', 'warning']),
  message: z.string(),
  fix: z.string(),
})

export const NodeGpuDto = z.object({
  address: z.string(),
  vendor: z.string(),
  vendor_id: z.string(),
  device_id: z.string(),
  model: z.string().nullable(),
  vram_gb: z.number().nullable(),
  driver: z.string().nullable(),
  iommu_group: z.number().int().nullable(),
  /** Ready for passthrough: no blocker. */
  ready: z.boolean(),
  /** Every PCI function a VM with this GPU is given. */
  pass_together: z.array(z.string()),
  findings: z.array(FindingDto),
  /** The session holding it, if one does. */
  held_by: z.string().nullable(),
})

export const NodeDto = z.object({
  id: z.string(),
  name: z.string(),
  host: z.string(),
  port: z.number().int(),
  user: z.string(),
  identity_file: z.string(),
  region: z.string(),
  price_per_gpu_hour: z.number(),
  price_per_gpu_hour_micro_usd: z.number().int(),
  cpu_slices: z.number().int(),
  cpu_slice_price_per_hour: z.number(),
  cpu_slice_price_per_hour_micro_usd: z.number().int(),
  libvirt: z.object({uri: z.string(), storage_pool: z.string(), network: z.string(), base_image: z.string().nullable(), virt_type: z.enum(VIRT_TYPES)}),
  host_key_fingerprint: z.string(),
  /** `ready`: slices can run; `not_ready`: a blocker (see findings); `unknown`: never discovered. */
  status: z.enum(['ready', 'not_ready', 'unknown']),
  resources: z
    .object({
      cpus: z.number().int(),
      memory_gib: z.number(),
      libvirt_version: z.string().nullable(),
      hypervisor: z.string().nullable(),
      kvm: z.boolean(),
      pool_path: z.string().nullable(),
      pool_free_gib: z.number().nullable(),
    })
    .nullable(),
  base_images: z.array(z.object({name: z.string(), direct_kernel: z.boolean()})),
  gpus: z.array(NodeGpuDto),
  /** What stops or slows VMs on the node (`scope: vm`) and GPU passthrough as a whole (`scope: passthrough`). */
  findings: z.array(FindingDto.extend({scope: z.enum(['vm', 'passthrough'])})),
  passthrough_possible: z.boolean(),
  held_slots: z.array(z.object({slot: z.string(), session_id: z.string()})),
  discovered_at: z.string().nullable(),
  created_at: z.string(),
})
export type NodeDto = z.infer<typeof NodeDto>

export const NodesReply = z.object({nodes: z.array(NodeDto), count: z.number().int()})
export type NodesReply = z.infer<typeof NodesReply>

export const NodeRemovedReply = z.object({message: z.string(), id: z.string(), name: z.string()})
export type NodeRemovedReply = z.infer<typeof NodeRemovedReply>
