import type {NodeDto} from '../../core/api/nodes.js'
import {formatClock, formatHourly} from './format.js'
import {renderDetails, style} from './output.js'

/**
 * `nodes show` and `nodes check`: the node, what it has, and every finding with its fix, GPU
 * by GPU, so that the owner can act on it line by line.
 */
export function renderNodeReport(node: NodeDto, now: number, tty: boolean): string {
  const r = node.resources
  const details: [string, string][] = [
    ['Node', `${node.name} (${node.id})`],
    ['Endpoint', `${node.user}@${node.host}:${node.port}, key ${node.identity_file}`],
    ['Host key', `${node.host_key_fingerprint} (pinned)`],
    ['Region', node.region],
    ['Price', `${formatHourly(node.price_per_gpu_hour_micro_usd)} per GPU` + (node.cpu_slices > 0 ? `; ${node.cpu_slices} CPU-only slice(s) at ${formatHourly(node.cpu_slice_price_per_hour_micro_usd)}` : '')],
    ['Status', node.status === 'ready' ? 'ready for slices' : node.status === 'not_ready' ? 'not ready (see below)' : 'never checked'],
  ]
  if (r) {
    details.push(['Resources', `${r.cpus} CPUs, ${r.memory_gib} GiB RAM, pool ${r.pool_path ?? '(none)'}${r.pool_free_gib === null ? '' : ` with ${r.pool_free_gib} GiB free`}`])
    const slices = node.libvirt.virt_type === 'qemu' || (node.libvirt.virt_type === 'auto' && !r.kvm) ? 'slices under software emulation (TCG)' : 'slices with KVM'
    details.push(['libvirt', `${r.libvirt_version ?? 'unknown'} at ${node.libvirt.uri}, ${r.hypervisor ?? 'hypervisor unknown'}, ${r.kvm ? 'KVM available' : 'no KVM'}; ${slices}`])
  }
  details.push(['Base images', node.base_images.length === 0 ? '(none)' : node.base_images.map((i) => `${i.name}${i.direct_kernel ? ' (direct kernel)' : ''}`).join(', ')])
  if (node.held_slots.length > 0) details.push(['In use', node.held_slots.map((s) => `${s.slot} by ${s.session_id}`).join(', ')])
  details.push(['Checked', formatClock(node.discovered_at, now)])

  const lines = [renderDetails(details, tty), '']
  if (node.gpus.length === 0) lines.push('GPUs: none found.')
  for (const gpu of node.gpus) {
    const verdict = gpu.ready ? style.ok('ready') : style.warn('not ready')
    lines.push(`GPU ${gpu.address} ${gpu.model ?? `${gpu.vendor} ${gpu.vendor_id}:${gpu.device_id}`}${gpu.vram_gb ? ` ${gpu.vram_gb} GB` : ''}: ${verdict}` +
      ` (driver ${gpu.driver ?? 'none'}, IOMMU group ${gpu.iommu_group ?? 'none'}${gpu.held_by ? `, held by ${gpu.held_by}` : ''})`)
    for (const finding of gpu.findings) lines.push(...renderFinding(finding))
  }
  if (node.findings.length > 0) {
    lines.push('', 'Findings:')
    for (const finding of node.findings) lines.push(...renderFinding(finding))
  }
  return lines.join('\n')
}

function renderFinding(finding: {severity: string; message: string; fix: string}): string[] {
  const mark = finding.severity === 'blocker' ? style.error('✗') : style.warn('!')
  return [`  ${mark} ${finding.message}`, `    fix: ${finding.fix}`]
}
