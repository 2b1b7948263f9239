import ssh2 from 'ssh2'

import {isRecord} from '../shared/http-util.js'
import {isKnownV0Name} from './gpu-catalog.js'
import {isUuid} from './ids.js'
import type {PortForward} from './instances.js'

/** One entry of TensorDock's 400 validation body, a JSON array (zod-style, providers.md §2.8). */
export interface ValidationIssue {
  code: string
  message: string
  path: (string | number)[]
}

/** A `POST /api/v2/instances` body that passed validation. */
export interface CreateRequest {
  name: string
  image: string
  locationId: string | null
  hostnodeId: string | null
  v0Name: string
  gpuCount: number
  vcpuCount: number
  ramGb: number
  storageGb: number
  useDedicatedIp: boolean
  portForwards: PortForward[]
  sshKey: string | null
  sshKeyId: string | null
  cloudInit: unknown
}

/** OS images the v2 API offers (providers.md §2.6). Windows needs no SSH forward. */
export const IMAGES = ['ubuntu2404', 'ubuntu2204', 'ubuntu2004', 'debian12', 'debian11', 'windows10', 'windows11'] as const

export const MIN_STORAGE_GB = 100

/**
 * Checks a create body the way the real API does: shape errors together as one 400 array,
 * then the SSH-port rule as its own 400. Availability is the caller's (it answers HTTP 200).
 */
export function parseCreateRequest(body: unknown): {issues: ValidationIssue[]} | {sshPortError: string} | {request: CreateRequest} {
  const issues: ValidationIssue[] = []
  const issue = (code: string, message: string, ...path: (string | number)[]) => issues.push({code, message, path})
  const data = isRecord(body) ? body.data : undefined
  if (!isRecord(data)) {
    issue('invalid_type', 'Expected object, received ' + typeName(data), 'data')
    return {issues}
  }
  if (data.type !== 'virtualmachine') issue('invalid_literal', 'Invalid literal value, expected "virtualmachine"', 'data', 'type')
  const a = data.attributes
  if (!isRecord(a)) {
    issue('invalid_type', 'Expected object, received ' + typeName(a), 'data', 'attributes')
    return {issues}
  }
  const at = (...path: (string | number)[]) => ['data', 'attributes', ...path]
  const add = (code: string, message: string, path: (string | number)[]) => issues.push({code, message, path})

  if (typeof a.name !== 'string') add('invalid_type', 'Required', at('name'))
  else if (a.name.trim() === '') add('too_small', 'String must contain at least 1 character(s)', at('name'))
  else if (a.name.length > 255) add('too_big', 'String must contain at most 255 character(s)', at('name'))
  if (a.type !== undefined && a.type !== 'virtualmachine') add('invalid_literal', 'Invalid literal value, expected "virtualmachine"', at('type'))
  if (typeof a.image !== 'string') add('invalid_type', 'Required', at('image'))
  else if (!(IMAGES as readonly string[]).includes(a.image)) {
    add('invalid_enum_value', `Invalid enum value. Expected ${IMAGES.map((i) => `'${i}'`).join(' | ')}, received '${a.image}'`, at('image'))
  }

  let v0Name = ''
  let gpuCount = 0
  const r = a.resources
  if (!isRecord(r)) add('invalid_type', 'Required', at('resources'))
  else {
    positiveInt(r.vcpu_count, at('resources', 'vcpu_count'), add)
    positiveInt(r.ram_gb, at('resources', 'ram_gb'), add)
    if (typeof r.storage_gb !== 'number' || !Number.isFinite(r.storage_gb)) add('invalid_type', 'Expected number', at('resources', 'storage_gb'))
    else if (r.storage_gb < MIN_STORAGE_GB) add('too_small', `Number must be greater than or equal to ${MIN_STORAGE_GB}`, at('resources', 'storage_gb'))
    const gpus = r.gpus
    if (!isRecord(gpus)) {
      if (a.hostnode_id === undefined) add('invalid_type', 'Required', at('resources', 'gpus'))
    } else {
      const names = Object.keys(gpus)
      if (names.length === 0 && a.hostnode_id === undefined) add('custom', 'At least one GPU is required for location-based deployments', at('resources', 'gpus'))
      if (names.length > 1) add('custom', 'Only one GPU model per instance is supported', at('resources', 'gpus'))
      for (const name of names) {
        if (!isKnownV0Name(name)) add('custom', `Invalid GPU model: ${name}`, at('resources', 'gpus', name))
        const entry = gpus[name]
        if (!isRecord(entry)) add('invalid_type', 'Expected object', at('resources', 'gpus', name))
        else positiveInt(entry.count, at('resources', 'gpus', name, 'count'), add)
      }
      const first = names[0]
      const entry = first === undefined ? undefined : gpus[first]
      if (first !== undefined && isRecord(entry)) {
        v0Name = first
        gpuCount = Number(entry.count)
      }
    }
  }

  const hasLocation = a.location_id !== undefined && a.location_id !== null
  const hasHostnode = a.hostnode_id !== undefined && a.hostnode_id !== null
  if (hasLocation === hasHostnode) add('custom', 'Provide exactly one of location_id or hostnode_id', at())
  if (hasLocation && (typeof a.location_id !== 'string' || !isUuid(a.location_id))) add('invalid_string', 'Invalid uuid', at('location_id'))
  if (hasHostnode && (typeof a.hostnode_id !== 'string' || !isUuid(a.hostnode_id))) add('invalid_string', 'Invalid uuid', at('hostnode_id'))

  const hasKey = a.ssh_key !== undefined && a.ssh_key !== null && a.ssh_key !== ''
  const hasKeyId = a.ssh_key_id !== undefined && a.ssh_key_id !== null && a.ssh_key_id !== ''
  if (hasKey && hasKeyId) add('custom', 'Provide either ssh_key or ssh_key_id, not both', at())
  if (!hasKey && !hasKeyId) add('custom', 'An SSH key is required: provide ssh_key or ssh_key_id', at('ssh_key'))
  if (hasKey && (typeof a.ssh_key !== 'string' || !isPublicKey(a.ssh_key))) add('custom', 'Invalid SSH public key', at('ssh_key'))
  if (hasKeyId && typeof a.ssh_key_id !== 'string') add('invalid_type', 'Expected string', at('ssh_key_id'))

  if (a.useDedicatedIp !== undefined && typeof a.useDedicatedIp !== 'boolean') add('invalid_type', 'Expected boolean', at('useDedicatedIp'))
  const forwards: PortForward[] = []
  if (a.port_forwards !== undefined && a.port_forwards !== null) {
    if (!Array.isArray(a.port_forwards)) add('invalid_type', 'Expected array', at('port_forwards'))
    else {
      a.port_forwards.forEach((f, i) => {
        if (!isRecord(f)) return add('invalid_type', 'Expected object', at('port_forwards', i))
        const internal = port(f.internal_port, at('port_forwards', i, 'internal_port'), add)
        const external = port(f.external_port, at('port_forwards', i, 'external_port'), add)
        if (f.protocol !== undefined && f.protocol !== 'tcp' && f.protocol !== 'udp') {
          add('invalid_enum_value', "Invalid enum value. Expected 'tcp' | 'udp'", at('port_forwards', i, 'protocol'))
        }
        if (internal !== null && external !== null) forwards.push({internal_port: internal, external_port: external})
      })
    }
  }
  if (a.cloud_init !== undefined && a.cloud_init !== null) {
    if (!isRecord(a.cloud_init)) add('invalid_type', 'Expected object', at('cloud_init'))
    else if (a.cloud_init.runcmd !== undefined && !Array.isArray(a.cloud_init.runcmd)) add('invalid_type', 'Expected array', at('cloud_init', 'runcmd'))
  }
  if (issues.length > 0) return {issues}

  const image = a.image as string
  const useDedicatedIp = a.useDedicatedIp === true
  if (!image.startsWith('windows') && !useDedicatedIp && !forwards.some((f) => f.internal_port === 22)) {
    return {sshPortError: 'SSH port (22) must be forwarded for Ubuntu VMs'}
  }
  const res = a.resources as Record<string, unknown>
  return {
    request: {
      name: a.name as string,
      image,
      locationId: hasLocation ? (a.location_id as string) : null,
      hostnodeId: hasHostnode ? (a.hostnode_id as string) : null,
      v0Name,
      gpuCount,
      vcpuCount: Number(res.vcpu_count),
      ramGb: Number(res.ram_gb),
      storageGb: Number(res.storage_gb),
      useDedicatedIp,
      portForwards: forwards,
      sshKey: hasKey ? (a.ssh_key as string).trim() : null,
      sshKeyId: hasKeyId ? (a.ssh_key_id as string) : null,
      cloudInit: a.cloud_init ?? null,
    },
  }
}

type Add = (code: string, message: string, path: (string | number)[]) => void

function positiveInt(value: unknown, path: (string | number)[], add: Add): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) add('invalid_type', value === undefined ? 'Required' : 'Expected number, received ' + typeName(value), path)
  else if (!Number.isInteger(value)) add('invalid_type', 'Expected integer, received float', path)
  else if (value < 1) add('too_small', 'Number must be greater than or equal to 1', path)
}

function port(value: unknown, path: (string | number)[], add: Add): number | null {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    add('invalid_type', value === undefined ? 'Required' : 'Expected integer', path)
    return null
  }
  if (value < 1 || value > 65535) {
    add(value < 1 ? 'too_small' : 'too_big', 'Port must be between 1 and 65535', path)
    return null
  }
  return value
}

function isPublicKey(line: string): boolean {
  const trimmed = line.trim()
  if (/PRIVATE KEY/.test(trimmed) || !/^(ssh-|ecdsa-|sk-)/.test(trimmed)) return false
  return !(ssh2.utils.parseKey(trimmed) instanceof Error)
}

function typeName(value: unknown): string {
  if (value === undefined) return 'undefined'
  if (value === null) return 'null'
  return Array.isArray(value) ? 'array' : typeof value
}
