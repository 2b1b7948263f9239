import type {DiagnosticsReply} from '../../core/api/diagnostics.js'

/** A diagnosis as label and value pairs: what was found part by part, then what stands out. */
export function diagnosisDetails(d: DiagnosticsReply): Array<[string, string]> {
  const p = d.provider
  const rows: Array<[string, string]> = [
    ['Session', `${d.session_id} (${d.status})`],
    ['Provider', p.error ? `${p.name} did not answer: ${p.error}` : p.instance_id ? `${p.name} instance ${p.instance_id}: ${p.state ?? 'not listed'}${p.status_message ? ` (${p.status_message})` : ''}` : `${p.name}: no instance`],
    ['SSH', d.ssh.reachable ? `${d.ssh.target} answered in ${d.ssh.latency_ms} ms` : `${d.ssh.target ? `${d.ssh.target}: ` : ''}not reached (${d.ssh.error})`],
  ]
  if (d.gpus) {
    for (const [i, g] of d.gpus.entries()) {
      const memory = g.memory_used_mib !== null && g.memory_total_mib !== null ? `, ${g.memory_used_mib}/${g.memory_total_mib} MiB` : ''
      rows.push([i === 0 ? 'GPUs' : '', `${g.name}: ${g.utilization_pct ?? '?'}% busy${memory}${g.temperature_c !== null ? `, ${g.temperature_c} °C` : ''}`])
    }
  } else if (d.ssh.reachable) {
    rows.push(['GPUs', d.gpu_error ?? 'not read'])
  }
  if (d.disk) rows.push(['Disk', `${d.disk.used_gb} of ${d.disk.size_gb} GB used (${d.disk.used_pct}%), ${d.disk.available_gb} GB free`])
  if (d.memory) rows.push(['Memory', `${d.memory.used_mib} of ${d.memory.total_mib} MiB used, ${d.memory.available_mib} MiB available`])
  if (d.ssh.reachable) rows.push(['OOM kills', oomLine(d)])
  if (d.workload) {
    rows.push(['Workload', d.workload.health_url ? `${d.workload.health_url} → ${d.workload.health}` : 'no health check'])
    for (const [i, line] of d.workload.log_tail.entries()) rows.push([i === 0 ? 'Log (last lines)' : '', line])
  }
  for (const [i, problem] of d.problems.entries()) rows.push([i === 0 ? 'Problems' : '', problem])
  return rows
}

function oomLine(d: DiagnosticsReply): string {
  const kernel = d.oom_kernel_lines?.filter((l) => /killed process/i.test(l)) ?? []
  if (d.oom_kills === null && d.oom_kernel_lines === null) return 'unknown (no kernel log or cgroup count readable here)'
  const count = Math.max(d.oom_kills ?? 0, kernel.length)
  if (count === 0) return 'none'
  return `${count}${kernel.length > 0 ? `: ${kernel.at(-1)}` : ' (counted by the container\'s cgroup)'}`
}
