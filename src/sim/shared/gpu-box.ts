import {gpuModelFacts, type GpuModelFacts} from './gpu-models.js'
import {pickOne, randomInt, type Random} from './prng.js'

/** Whether a box's GPUs are working: what its readings (and so nvidia-smi) show. */
export type GpuLoad = 'idle' | 'busy'

/** One GPU in a simulated machine: what tells it apart from its neighbours. */
export interface GpuDevice {
  uuid: string
  serial: string
  /** `00000000:18:00.0`, as `pci.bus_id` prints it. */
  busId: string
}

/**
 * The GPUs a simulated machine has (or claims to have): model, VRAM per GPU, driver, and one
 * device per GPU. Plain JSON, so it persists with the instance.
 */
export interface GpuBox {
  /** The model in any spelling (a marketplace's name or a v0Name); facts come from gpu-models. */
  name: string
  /** MiB per GPU, as `memory.total` reports it. */
  memoryMiB: number
  driverVersion: string
  /** `13.0`: the highest CUDA this driver supports, as the table's header shows it. */
  cudaVersion: string
  devices: GpuDevice[]
}

/** Drivers seen on rented hosts, with the CUDA version each supports; Blackwell needs 570+. */
const DRIVERS: readonly (readonly [string, string])[] = [
  ['550.127.05', '12.4'],
  ['560.35.03', '12.6'],
  ['570.124.04', '12.8'],
  ['575.57.08', '12.9'],
  ['580.95.05', '13.0'],
]

/**
 * `vm`: a TensorDock KVM guest, GPUs passed through at 00:05.0, 00:06.0… (the fixture H100 was
 * at 00:06.0). `metal`: a Vast host's container sees the server's own buses, one per root port.
 */
export type BusLayout = 'vm' | 'metal'

const METAL_BUSES = ['01', '21', '41', '61', '81', 'A1', 'C1', 'E1']

export interface GpuBoxSpec {
  name: string
  count: number
  memoryMiB?: number | undefined
  driverVersion?: string | undefined
  /** Accepts Vast's `cuda_max_good` number (12.8, 13). */
  cudaVersion?: string | number | undefined
  layout: BusLayout
  rng: Random
}

/** The machine's GPUs as rented: the offer's model, count and VRAM, with fresh ids per device. */
export function buildGpuBox(spec: GpuBoxSpec): GpuBox {
  const facts = gpuModelFacts(spec.name, spec.memoryMiB)
  const blackwell = facts.architecture === 'Blackwell'
  const [driver, cuda] = pickOne(spec.rng, blackwell ? DRIVERS.filter(([, c]) => Number(c) >= 12.8) : DRIVERS)
  const count = Math.max(1, Math.floor(spec.count))
  return {
    name: spec.name,
    memoryMiB: spec.memoryMiB ?? facts.memoryMiB,
    driverVersion: spec.driverVersion ?? driver,
    cudaVersion: spec.cudaVersion === undefined ? cuda : typeof spec.cudaVersion === 'number' ? spec.cudaVersion.toFixed(1) : spec.cudaVersion,
    devices: Array.from({length: count}, (_, i) => newDevice(spec.rng, spec.layout, i, count)),
  }
}

/** What a lying machine claims instead: another model, count and/or VRAM; the devices it keeps stay the same. */
export interface GpuClaim {
  name?: string | undefined
  count?: number | undefined
  memoryMiB?: number | undefined
}

export function claimedGpuBox(real: GpuBox, claim: GpuClaim, rng: Random): GpuBox {
  const name = claim.name ?? real.name
  const memoryMiB = claim.memoryMiB ?? (claim.name === undefined ? real.memoryMiB : gpuModelFacts(name).memoryMiB)
  const count = Math.max(1, Math.floor(claim.count ?? real.devices.length))
  const layout: BusLayout = real.devices[0]?.busId.startsWith('00000000:00:') ? 'vm' : 'metal'
  const devices = Array.from({length: count}, (_, i) => real.devices[i] ?? newDevice(rng, layout, i, count))
  return {...real, name, memoryMiB, devices}
}

function newDevice(rng: Random, layout: BusLayout, index: number, count: number): GpuDevice {
  const hex = (n: number) => Array.from({length: n}, () => randomInt(rng, 0, 15).toString(16)).join('')
  const bus = layout === 'vm' ? `00000000:00:${(5 + index).toString(16).toUpperCase().padStart(2, '0')}.0` : `00000000:${metalBus(index, count)}:00.0`
  return {
    uuid: `GPU-${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`,
    serial: String(randomInt(rng, 1_320_000_000_000, 1_799_999_999_999)),
    busId: bus,
  }
}

function metalBus(index: number, count: number): string {
  if (count <= METAL_BUSES.length) return METAL_BUSES[index] ?? '01'
  return (0x01 + index * 0x10).toString(16).toUpperCase().padStart(2, '0').slice(-2)
}

/** One reading of one GPU: what nvidia-smi reports at this moment. */
export interface GpuSample {
  /** Fan duty in %; null for passively cooled boards (N/A). */
  fanPct: number | null
  tempC: number
  /** HBM only; GDDR boards report N/A. */
  memTempC: number | null
  pstate: string
  /** Instant power draw. */
  powerW: number
  avgPowerW: number
  memUsedMiB: number
  utilGpu: number
  utilMem: number
  graphicsClock: number
  memClock: number
  videoClock: number
  processes: {pid: number; name: string; memMiB: number}[]
}

/**
 * The reading for `load`: idle as the H100 fixture reads (P0 with persistence on for
 * data-centre boards, P8 for desktop cards), busy as under a training loop. Deterministic, so
 * the same machine prints the same table twice.
 */
export function sampleGpu(facts: GpuModelFacts, index: number, load: GpuLoad): GpuSample {
  const warmer = index % 3
  if (load === 'busy') {
    const tempC = facts.busyTempC + warmer
    return {
      fanPct: facts.datacenter ? null : 65,
      tempC,
      memTempC: facts.hbm ? tempC + 6 : null,
      pstate: facts.datacenter ? 'P0' : 'P2',
      powerW: facts.busyW,
      avgPowerW: facts.busyW,
      memUsedMiB: 1395,
      utilGpu: 100,
      utilMem: 9,
      graphicsClock: facts.clocks.maxGraphics,
      memClock: facts.clocks.mem[0] ?? 0,
      videoClock: facts.clocks.maxVideo,
      processes: [{pid: 481 + index, name: 'python3', memMiB: 1386}],
    }
  }
  const tempC = facts.idleTempC + warmer
  return {
    fanPct: facts.datacenter ? null : 30,
    tempC,
    memTempC: facts.hbm ? tempC + 3 : null,
    pstate: facts.datacenter ? 'P0' : 'P8',
    powerW: facts.idleW,
    avgPowerW: facts.idleW,
    memUsedMiB: facts.datacenter ? 0 : 1,
    utilGpu: 0,
    utilMem: 0,
    graphicsClock: facts.clocks.idleGraphics,
    memClock: facts.datacenter ? (facts.clocks.mem[0] ?? 0) : 405,
    videoClock: facts.clocks.idleVideo,
    processes: [],
  }
}

export function boxFacts(box: GpuBox): GpuModelFacts {
  return gpuModelFacts(box.name, box.memoryMiB)
}
