import {normalizeGpuName, vramGbFromMib} from '../../core/gpu-names.js'

/**
 * What `nvidia-smi` says about one GPU model: the product name the driver reports (not the
 * marketplace's spelling), and plausible board figures for the table, the CSV queries and the
 * XML. Keyed by our canonical name (src/core/gpu-names.ts), so Vast's "H100 SXM", TensorDock's
 * "h100-sxm5-80gb" and nvidia-smi's "NVIDIA H100 80GB HBM3" all find the same entry.
 * The H100 SXM row matches the real board in fixtures/nvidia-smi.
 */
export interface GpuModelFacts {
  /** `name` / `product_name` exactly as the driver prints it. */
  product: string
  brand: string
  architecture: string
  /** MiB `memory.total` reports. */
  memoryMiB: number
  tdpW: number
  minPowerW: number
  idleW: number
  busyW: number
  idleTempC: number
  busyTempC: number
  /** Passive cooling (fan N/A), persistence mode on, P0 when idle: data-centre boards. */
  datacenter: boolean
  /** The table's "Volatile Uncorr. ECC" cell: `0` with ECC on, `Off` when it could be on, `N/A` without. */
  ecc: '0' | 'Off' | 'N/A'
  /** MIG-capable boards show `Disabled` in the MIG column; others `N/A`. */
  mig: boolean
  /** HBM reports a memory temperature; GDDR boards say N/A. */
  hbm: boolean
  /** PCI device id and subsystem id, as `pci_device_id` prints them. */
  pciDeviceId: string
  clocks: {maxGraphics: number; idleGraphics: number; minGraphics: number; mem: readonly number[]; maxVideo: number; idleVideo: number}
}

type Row = [
  canonical: string,
  product: string,
  brand: string,
  architecture: string,
  memoryMiB: number,
  tdpW: number,
  idleW: number,
  idleTempC: number,
  busyTempC: number,
  datacenter: boolean,
  ecc: GpuModelFacts['ecc'],
  mig: boolean,
  hbm: boolean,
  pciDeviceId: string,
  maxGraphics: number,
  mem: readonly number[],
]

// prettier-ignore
const ROWS: readonly Row[] = [
  ['RTX 3060', 'NVIDIA GeForce RTX 3060', 'GeForce', 'Ampere', 12288, 170, 13, 33, 68, false, 'N/A', false, false, '250310DE', 1777, [7501]],
  ['RTX 3090', 'NVIDIA GeForce RTX 3090', 'GeForce', 'Ampere', 24576, 350, 22, 35, 72, false, 'N/A', false, false, '220410DE', 1695, [9751]],
  ['RTX 3090 Ti', 'NVIDIA GeForce RTX 3090 Ti', 'GeForce', 'Ampere', 24564, 450, 28, 34, 70, false, 'N/A', false, false, '220310DE', 1860, [10501]],
  ['RTX 4090', 'NVIDIA GeForce RTX 4090', 'GeForce', 'Ada Lovelace', 24564, 450, 21, 34, 66, false, 'Off', false, false, '268410DE', 2520, [10501]],
  ['RTX 5060 Ti', 'NVIDIA GeForce RTX 5060 Ti', 'GeForce', 'Blackwell', 16311, 180, 8, 31, 62, false, 'N/A', false, false, '2D0410DE', 2572, [14001]],
  ['RTX 5080', 'NVIDIA GeForce RTX 5080', 'GeForce', 'Blackwell', 16303, 360, 14, 32, 64, false, 'N/A', false, false, '2C0210DE', 2617, [15001]],
  ['RTX 5090', 'NVIDIA GeForce RTX 5090', 'GeForce', 'Blackwell', 32607, 575, 30, 33, 67, false, 'N/A', false, false, '2B8510DE', 2407, [14001]],
  ['RTX A5000', 'NVIDIA RTX A5000', 'NVIDIA RTX', 'Ampere', 24564, 230, 17, 36, 74, false, 'Off', false, false, '223110DE', 2100, [8001]],
  ['RTX A6000', 'NVIDIA RTX A6000', 'NVIDIA RTX', 'Ampere', 49140, 300, 20, 37, 78, false, 'Off', false, false, '223010DE', 2100, [8001]],
  ['RTX 4000 Ada', 'NVIDIA RTX 4000 Ada Generation', 'NVIDIA RTX', 'Ada Lovelace', 20475, 130, 10, 35, 71, false, 'Off', false, false, '27B210DE', 2175, [9001]],
  ['RTX 6000 Ada', 'NVIDIA RTX 6000 Ada Generation', 'NVIDIA RTX', 'Ada Lovelace', 49140, 300, 19, 36, 73, false, 'Off', false, false, '26B110DE', 2505, [10001]],
  ['Quadro RTX 8000', 'Quadro RTX 8000', 'Quadro RTX', 'Turing', 49152, 260, 15, 38, 79, false, 'Off', false, false, '1E3010DE', 2100, [7001]],
  ['T4', 'Tesla T4', 'NVIDIA', 'Turing', 15360, 70, 9, 31, 64, true, '0', false, false, '1EB810DE', 1590, [5001]],
  ['L4', 'NVIDIA L4', 'NVIDIA', 'Ada Lovelace', 23034, 72, 16, 33, 70, true, '0', false, false, '27B810DE', 2040, [6251]],
  ['L40S', 'NVIDIA L40S', 'NVIDIA', 'Ada Lovelace', 46068, 350, 35, 30, 62, true, '0', false, false, '26B910DE', 2520, [9001]],
  ['A40', 'NVIDIA A40', 'NVIDIA', 'Ampere', 46068, 300, 30, 31, 64, true, '0', false, false, '223510DE', 1740, [7251]],
  ['V100 16GB', 'Tesla V100-PCIE-16GB', 'Tesla', 'Volta', 16384, 250, 25, 33, 66, true, '0', false, true, '1DB410DE', 1380, [877]],
  ['V100 32GB', 'Tesla V100-SXM2-32GB', 'Tesla', 'Volta', 32768, 300, 42, 35, 63, true, '0', false, true, '1DB510DE', 1530, [877]],
  ['A100 40GB PCIe', 'NVIDIA A100-PCIE-40GB', 'NVIDIA', 'Ampere', 40960, 250, 35, 31, 60, true, '0', true, true, '20F110DE', 1410, [1215]],
  ['A100 40GB SXM', 'NVIDIA A100-SXM4-40GB', 'NVIDIA', 'Ampere', 40960, 400, 52, 30, 58, true, '0', true, true, '20B010DE', 1410, [1215]],
  ['A100 80GB PCIe', 'NVIDIA A100 80GB PCIe', 'NVIDIA', 'Ampere', 81920, 300, 44, 32, 61, true, '0', true, true, '20B510DE', 1410, [1512]],
  ['A100 80GB SXM', 'NVIDIA A100-SXM4-80GB', 'NVIDIA', 'Ampere', 81920, 400, 62, 31, 59, true, '0', true, true, '20B210DE', 1410, [1593]],
  ['H100 80GB PCIe', 'NVIDIA H100 PCIe', 'NVIDIA', 'Hopper', 81559, 350, 48, 30, 55, true, '0', true, true, '233110DE', 1755, [1593]],
  ['H100 80GB SXM', 'NVIDIA H100 80GB HBM3', 'NVIDIA', 'Hopper', 81559, 700, 109, 28, 48, true, '0', true, true, '233010DE', 1980, [2619, 1593]],
  ['H100 NVL', 'NVIDIA H100 NVL', 'NVIDIA', 'Hopper', 95830, 400, 62, 29, 52, true, '0', true, true, '232110DE', 1785, [2619]],
  ['H200', 'NVIDIA H200', 'NVIDIA', 'Hopper', 143771, 700, 118, 29, 50, true, '0', true, true, '233510DE', 1980, [3201]],
  ['GH200', 'NVIDIA GH200 480GB', 'NVIDIA', 'Hopper', 97871, 900, 90, 30, 51, true, '0', true, true, '234210DE', 1980, [2619]],
  ['B200', 'NVIDIA B200', 'NVIDIA', 'Blackwell', 183359, 1000, 140, 29, 53, true, '0', true, true, '290110DE', 1965, [3996]],
]

const BY_CANONICAL = new Map<string, GpuModelFacts>(ROWS.map((row) => [row[0], factsOf(row)]))

function factsOf(row: Row): GpuModelFacts {
  const [, product, brand, architecture, memoryMiB, tdpW, idleW, idleTempC, busyTempC, datacenter, ecc, mig, hbm, pciDeviceId, maxGraphics, mem] = row
  return {
    product,
    brand,
    architecture,
    memoryMiB,
    tdpW,
    // The H100's 200 W floor is about two sevenths of its limit; other boards are similar.
    minPowerW: Math.round((tdpW * 2) / 7),
    idleW,
    busyW: Math.round(tdpW * 0.95),
    idleTempC,
    busyTempC,
    datacenter,
    ecc,
    mig,
    hbm,
    pciDeviceId,
    clocks: {
      maxGraphics,
      idleGraphics: datacenter ? Math.round(maxGraphics * 0.212) : 210,
      minGraphics: datacenter ? Math.round(maxGraphics * 0.174) : 210,
      mem,
      maxVideo: Math.round(maxGraphics * 0.7803),
      idleVideo: Math.round(maxGraphics * 0.3864),
    },
  }
}

/**
 * The facts for a GPU named in any spelling (a marketplace's, a v0Name, nvidia-smi's own),
 * with its per-GPU VRAM in MiB when the name alone does not pin it (A100 40/80 GB). A model
 * this table does not know still answers, as a generic NVIDIA board of that name and size.
 */
export function gpuModelFacts(name: string, memoryMiB?: number): GpuModelFacts {
  const vramGb = memoryMiB === undefined ? undefined : vramGbFromMib(memoryMiB)
  const canonical = normalizeGpuName(name, vramGb)
  // A name that does not pin the size ("A100 SXM4") is taken as the 80 GB part, the common one.
  const known = BY_CANONICAL.get(canonical) ?? (vramGb === undefined ? BY_CANONICAL.get(normalizeGpuName(name, 80)) : undefined)
  if (known) return known
  const mib = memoryMiB ?? (vramGb ?? 16) * 1024
  return factsOf([canonical, canonical.startsWith('NVIDIA') ? canonical : `NVIDIA ${canonical}`, 'NVIDIA', 'Unknown', mib, 300, 25, 32, 65, true, 'N/A', false, false, '000010DE', 1800, [5001]])
}
