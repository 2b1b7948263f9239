import {z} from 'zod'

import {instanceLabel} from '../../../core/instance-label.js'
import {isSliceIdentifier} from './domain-names.js'
import {escapeXml, unescapeXml} from './xml-text.js'

/**
 * What we write into a domain's `<metadata>` so that a node can be reconciled from libvirt alone:
 * which deployment and session own the slice, on which node it was made, how many GPUs it
 * holds and when it was created. libvirt keeps foreign metadata verbatim as long as it lives in
 * its own namespace, and `virsh metadata <dom> <uri>` returns just our element.
 */

export const INSTANCE_METADATA_NAMESPACE = 'https://gpu-shopper.dev/xmlns/libvirt/instance/1'

/** The prefix we write; a reader must not rely on it (libvirt may hand the element back under another). */
export const INSTANCE_METADATA_PREFIX = 'gs'

export interface InstanceMetadata {
  deploymentId: string
  sessionId: string
  /** The node's registered name, as the daemon knows it. */
  nodeName: string
  gpuCount: number
  createdAt: Date
}

// Field order in the element; `label` is derived, and written so a person reading dumpxml sees it.
const FIELDS = ['label', 'deploymentId', 'sessionId', 'nodeName', 'gpuCount', 'createdAt'] as const

const identifier = z.string().refine(isSliceIdentifier, 'expected lower-case letters, digits and -')
// eslint-disable-next-line no-control-regex -- a node name is printed in reports and logs
const nodeName = z.string().min(1).max(253).regex(/^[^\u0000-\u001f\u007f]+$/, 'expected a name without control characters')

const metadataSchema = z.object({
  deploymentId: identifier,
  sessionId: identifier,
  nodeName,
  gpuCount: z.number().int().min(0).max(64),
  createdAt: z.date().refine((d) => !Number.isNaN(d.getTime()), 'expected a valid date'),
})

const storedSchema = z.object({
  label: z.string(),
  deploymentId: identifier,
  sessionId: identifier,
  nodeName,
  gpuCount: z.string().regex(/^\d{1,2}$/, 'expected a GPU count').transform(Number),
  createdAt: z.iso.datetime({offset: true}).transform((text) => new Date(text)),
})

function checked(metadata: InstanceMetadata): InstanceMetadata {
  const parsed = metadataSchema.safeParse(metadata)
  if (!parsed.success) throw new Error(`invalid instance metadata: ${describeIssues(parsed.error)}`)
  return parsed.data
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || 'value'}: ${issue.message}`).join('; ')
}

/** Our `<gs:instance>` element, indented to sit inside `<metadata>`; `indent` prefixes every line. */
export function instanceMetadataXml(metadata: InstanceMetadata, indent = ''): string {
  const m = checked(metadata)
  const values: Record<(typeof FIELDS)[number], string> = {
    label: instanceLabel(m.deploymentId, m.sessionId),
    deploymentId: m.deploymentId,
    sessionId: m.sessionId,
    nodeName: m.nodeName,
    gpuCount: String(m.gpuCount),
    createdAt: m.createdAt.toISOString(),
  }
  const p = INSTANCE_METADATA_PREFIX
  return [
    `${indent}<${p}:instance xmlns:${p}="${INSTANCE_METADATA_NAMESPACE}">`,
    ...FIELDS.map((field) => `${indent}  <${p}:${field}>${escapeXml(values[field])}</${p}:${field}>`),
    `${indent}</${p}:instance>`,
  ].join('\n')
}

export class InstanceMetadataError extends Error {
  constructor(problem: string) {
    super(`gpu-shopper metadata of a domain is unreadable: ${problem}`)
    this.name = 'InstanceMetadataError'
  }
}

// Element and prefix names as we and libvirt write them (no `.`, so they need no escaping in a RegExp).
const NAME = '[A-Za-z_][\\w-]*'

/**
 * Reads our metadata back from `virsh dumpxml <dom>` or `virsh metadata <dom> <uri>` output.
 *
 * In a domain document the element is found by its namespace URI, never its prefix. `virsh
 * metadata` answers with the element alone and without any namespace (`<instance>` with
 * unprefixed children): libvirt strips it, since the URI was the question. Null when a domain
 * has no element of ours (someone else's domain, or a define interrupted before it existed);
 * throws when the element is there but wrong, since acting on half-read ownership could
 * release someone else's slice.
 */
export function parseInstanceMetadata(xml: string): InstanceMetadata | null {
  const text = xml.replace(/^\s*(?:<\?xml[^>]*\?>\s*)?/, '')
  if (/^<domain[\s>]/.test(text)) return findInDomain(text)
  const root = new RegExp(`^<(?:(${NAME}):)?instance\\b[^>]*>`).exec(text)
  if (!root) throw new InstanceMetadataError('expected a <domain> document or an <instance> element')
  return readElement(text, root[1], root[0].length)
}

function findInDomain(xml: string): InstanceMetadata | null {
  const open = new RegExp(`<(?:(${NAME}):)?instance\\b([^>]*)>`, 'g')
  let match: RegExpExecArray | null
  while ((match = open.exec(xml)) !== null) {
    if (namespaceDeclaredIn(match[2] ?? '', match[1]) !== INSTANCE_METADATA_NAMESPACE) continue
    return readElement(xml, match[1], open.lastIndex)
  }
  return null
}

function readElement(xml: string, prefix: string | undefined, bodyStart: number): InstanceMetadata {
  const qname = prefix ? `${prefix}:instance` : 'instance'
  const end = xml.indexOf(`</${qname}>`, bodyStart)
  if (end < 0) throw new InstanceMetadataError(`<${qname}> is not closed`)
  return readFields(xml.slice(bodyStart, end), prefix)
}

function namespaceDeclaredIn(attributes: string, prefix: string | undefined): string | null {
  const attribute = prefix ? `xmlns:${prefix}` : 'xmlns'
  const found = new RegExp(`(?:^|\\s)${attribute}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`).exec(attributes)
  if (!found) return null
  return unescapeXml(found[1] ?? found[2] ?? '')
}

function readFields(body: string, prefix: string | undefined): InstanceMetadata {
  const q = prefix ? `${prefix}:` : ''
  const fields = new Map<string, string>()
  const child = new RegExp(`<${q}(${NAME})\\s*(?:/>|>([^<]*)</${q}\\1\\s*>)`, 'g')
  let match: RegExpExecArray | null
  while ((match = child.exec(body)) !== null) {
    const name = match[1]!
    if (fields.has(name)) throw new InstanceMetadataError(`<${q}${name}> appears twice`)
    fields.set(name, unescapeXml(match[2] ?? ''))
  }
  const parsed = storedSchema.safeParse(Object.fromEntries(fields))
  if (!parsed.success) throw new InstanceMetadataError(describeIssues(parsed.error))
  const {label, ...metadata} = parsed.data
  const expected = instanceLabel(metadata.deploymentId, metadata.sessionId)
  if (label !== expected) throw new InstanceMetadataError(`label ${JSON.stringify(label)} does not match ${JSON.stringify(expected)}`)
  return metadata
}
