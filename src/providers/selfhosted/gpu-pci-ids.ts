/** A GPU model as a PCI id pins it: our canonical name (src/core/gpu-names.ts) and its VRAM. */
export interface GpuModel {
  name: string
  /** Null where one device id is sold with several memory sizes. */
  vramGb: number | null
}

export const GPU_VENDORS = {'10de': 'NVIDIA', '1002': 'AMD', '8086': 'Intel'} as const
export type GpuVendorId = keyof typeof GPU_VENDORS

export function isGpuVendorId(vendorId: string): vendorId is GpuVendorId {
  return vendorId in GPU_VENDORS
}

// Device ids as the kernel's pci.ids lists them. Left out on purpose: ids shared by models that
// differ in what the user gets (10de:1e30 is both the Quadro RTX 6000 and 8000).
// prettier-ignore
const MODELS: ReadonlyArray<[vendorDevice: string, name: string, vramGb: number | null]> = [
  ['10de:2330', 'H100 80GB SXM', 80],
  ['10de:2331', 'H100 80GB PCIe', 80],
  ['10de:2321', 'H100 NVL', 94],
  ['10de:2335', 'H200', 141],
  ['10de:2342', 'GH200', 96],
  ['10de:2901', 'B200', 180],
  ['10de:20b0', 'A100 40GB SXM', 40],
  ['10de:20f1', 'A100 40GB PCIe', 40],
  ['10de:20b2', 'A100 80GB SXM', 80],
  ['10de:20b5', 'A100 80GB PCIe', 80],
  ['10de:20b7', 'A30', 24],
  ['10de:2236', 'A10', 24],
  ['10de:2235', 'A40', 48],
  ['10de:1db1', 'V100 16GB', 16],
  ['10de:1db4', 'V100 16GB', 16],
  ['10de:1db5', 'V100 32GB', 32],
  ['10de:1db6', 'V100 32GB', 32],
  ['10de:1eb8', 'T4', 16],
  ['10de:27b8', 'L4', 24],
  ['10de:26b5', 'L40', 48],
  ['10de:26b9', 'L40S', 48],
  ['10de:2230', 'RTX A6000', 48],
  ['10de:2231', 'RTX A5000', 24],
  ['10de:26b1', 'RTX 6000 Ada', 48],
  ['10de:27b2', 'RTX 4000 Ada', 20],
  ['10de:2503', 'RTX 3060', 12],
  ['10de:2204', 'RTX 3090', 24],
  ['10de:2203', 'RTX 3090 Ti', 24],
  ['10de:2704', 'RTX 4080', 16],
  ['10de:2684', 'RTX 4090', 24],
  ['10de:2d04', 'RTX 5060 Ti', null],
  ['10de:2c02', 'RTX 5080', 16],
  ['10de:2b85', 'RTX 5090', 32],
  ['1002:738c', 'MI100', 32],
  ['1002:740f', 'MI210', 64],
  ['1002:74a1', 'MI300X', 192],
  ['8086:56c0', 'Data Center GPU Flex 170', 16],
  ['8086:0bd5', 'Data Center GPU Max 1550', 128],
]

const BY_ID = new Map(MODELS.map(([id, name, vramGb]) => [id, {name, vramGb}]))

/** The model for a vendor and device id (`10de`, `2330`); null when the table does not know it. */
export function gpuModelByPciId(vendorId: string, deviceId: string): GpuModel | null {
  return BY_ID.get(`${vendorId}:${deviceId}`) ?? null
}

/** Every id the table knows, for checks against other tables of the same models. */
export function knownGpuPciIds(): ReadonlyArray<{vendorId: string; deviceId: string; model: GpuModel}> {
  return MODELS.map(([id, name, vramGb]) => {
    const [vendorId = '', deviceId = ''] = id.split(':')
    return {vendorId, deviceId, model: {name, vramGb}}
  })
}
