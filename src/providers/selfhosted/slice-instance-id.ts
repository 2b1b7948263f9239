import {parseDomainName, type DomainName} from './libvirt/domain-names.js'
import {NODE_NAME} from '../../core/node.js'

/**
 * A slice's provider instance id: `<node>/<domain>`. The node says where to go, the domain name
 * (derived from the instance label) what to look for there.
 */
export function sliceInstanceId(node: string, domain: DomainName): string {
  return `${node}/${domain}`
}

export function parseSliceInstanceId(id: string): {node: string; domain: DomainName} | null {
  const slash = id.indexOf('/')
  const node = id.slice(0, slash)
  if (slash <= 0 || !NODE_NAME.test(node)) return null
  try {
    return {node, domain: parseDomainName(id.slice(slash + 1))}
  } catch {
    return null
  }
}
