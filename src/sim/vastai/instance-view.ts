import type {InstanceStore, SimInstance} from './instances.js'

/**
 * The loopback address the simulated hosts listen on. The real API names a proxy such as
 * `ssh4.vast.ai`; here the SSH endpoint is a real server on this machine, so clients must be
 * able to reach what `ssh_host` / `public_ipaddr` say.
 */
export const SIM_SSH_HOST = '127.0.0.1'

/** An instance row as `GET /instances/{id}/` and the list endpoints return it (providers.md §1.7). */
export function renderInstance(store: InstanceStore, instance: SimInstance, nowMs: number): Record<string, unknown> {
  const status = store.status(instance)
  const offer = instance.offer
  const running = status.actual_status === 'running'
  const sshPort = instance.ssh?.port ?? null
  const direct = /direc/.test(instance.runtype)
  const jupyter = /jupyter/.test(instance.runtype)
  let ports: Record<string, {HostIp: string; HostPort: string}[]> | null = null
  if (running) {
    ports = {}
    // Docker's map: HostPort is a string. vast.py's direct SSH reads ports["22/tcp"][0].HostPort.
    if (direct && sshPort !== null) ports['22/tcp'] = [{HostIp: '0.0.0.0', HostPort: String(sshPort)}]
    for (const [containerPort, hostPort] of Object.entries(instance.mappedPorts)) {
      ports[containerPort] = [{HostIp: '0.0.0.0', HostPort: hostPort}]
    }
  }
  const runningSince = running ? lastBootStart(instance) : null
  const nowS = nowMs / 1000
  return {
    id: instance.id,
    machine_id: offer.machine_id,
    host_id: offer.host_id,
    bundle_id: offer.bundle_id,
    ...status,
    label: instance.label,
    image_uuid: instance.image,
    image_runtype: instance.runtype,
    image_args: [],
    onstart: instance.onstart,
    extra_env: Object.entries(instance.env).map(([k, v]) => [k, v]),
    template_id: instance.template?.id ?? null,
    template_hash_id: instance.template?.hashId ?? null,
    template_name: instance.template?.name ?? null,
    jupyter_token: jupyter ? `sim${instance.id.toString(16)}` : null,
    ssh_host: running ? SIM_SSH_HOST : null,
    // For jupyter runtypes the proxy SSH port is ssh_port + 1 (vast.py ssh-url), so report one less.
    ssh_port: running && sshPort !== null ? (jupyter ? sshPort - 1 : sshPort) : null,
    ssh_idx: running ? '1' : null,
    public_ipaddr: running ? SIM_SSH_HOST : null,
    ports,
    local_ipaddrs: running ? '172.17.0.2 ' : null,
    direct_port_start: running && direct ? Number(Object.values(instance.mappedPorts)[0] ?? sshPort ?? -1) : -1,
    direct_port_end: running && direct ? Number(Object.values(instance.mappedPorts).slice(-1)[0] ?? sshPort ?? -1) : -1,
    direct_port_count: offer.direct_port_count,
    machine_dir_ssh_port: null,
    gpu_name: offer.gpu_name,
    num_gpus: offer.num_gpus,
    gpu_ram: offer.gpu_ram,
    gpu_totalram: offer.gpu_ram * offer.num_gpus,
    gpu_frac: offer.gpu_frac,
    gpu_arch: offer.gpu_arch,
    gpu_util: running ? (instance.gpuLoad === 'busy' ? 1.0 : 0.0) : null,
    gpu_temp: running ? (instance.gpuLoad === 'busy' ? 48.0 : 28.0) : null,
    gpu_mem_bw: offer.gpu_mem_bw,
    gpu_lanes: offer.gpu_lanes,
    bw_nvlink: offer.bw_nvlink,
    pci_gen: offer.pci_gen,
    pcie_bw: offer.pcie_bw,
    compute_cap: offer.compute_cap,
    cuda_max_good: offer.cuda_max_good,
    driver_version: offer.driver_version,
    cpu_name: offer.cpu_name,
    cpu_arch: offer.cpu_arch,
    cpu_cores: offer.cpu_cores,
    cpu_cores_effective: offer.cpu_cores_effective,
    cpu_ram: offer.cpu_ram,
    cpu_util: running ? (instance.gpuLoad === 'busy' ? 0.31 : 0.01) : null,
    mem_usage: running ? 0.42 : null,
    mem_limit: running ? offer.cpu_ram / 1000 : null,
    vmem_usage: running ? (instance.gpuLoad === 'busy' ? 1.395 : 0.0) : null,
    disk_space: instance.disk,
    disk_usage: running ? Math.min(instance.disk, 4.2) : null,
    disk_util: running ? Math.min(1, 4.2 / Math.max(instance.disk, 1)) : -1,
    disk_bw: offer.disk_bw,
    disk_name: offer.disk_name,
    inet_up: offer.inet_up,
    inet_down: offer.inet_down,
    inet_up_cost: offer.inet_up_cost,
    inet_down_cost: offer.inet_down_cost,
    inet_up_billed: null,
    inet_down_billed: null,
    dph_base: store.dphBase(instance),
    dph_total: store.dphTotal(instance),
    storage_cost: offer.storage_cost,
    storage_total_cost: store.dphTotal(instance) - store.dphBase(instance),
    min_bid: offer.min_bid,
    is_bid: instance.price !== null,
    credit_discount_max: offer.credit_discount_max,
    start_date: instance.createdAt / 1000,
    end_date: offer.end_date,
    duration: Math.max(0, offer.end_date - nowS),
    uptime_mins: runningSince !== null ? (nowMs - runningSince) / 60_000 : null,
    client_run_time: (nowMs - instance.createdAt) / 1000,
    host_run_time: (nowMs - instance.createdAt) / 1000,
    reliability2: offer.reliability2,
    geolocation: offer.geolocation,
    verification: offer.verification,
    rentable: true,
    webpage: null,
    logo: '/static/logos/vastai_small2.png',
    time_remaining: '',
    time_remaining_isbid: '',
  }
}

function lastBootStart(instance: SimInstance): number | null {
  const last = instance.boots[instance.boots.length - 1]
  if (!last) return null
  if (instance.pinnedStatus !== undefined) return last.startMs
  const t = instance.timings
  return last.startMs + t.provisioningMs + t.createdMs + t.loadingMs
}
