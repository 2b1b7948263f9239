import {gpuModelByPciId, GPU_VENDORS, isGpuVendorId, type GpuModel} from './gpu-pci-ids.js'
import {pciSlotOf, type PciDevice} from './pci-device.js'

/** A GPU of a host, with what must be passed through with it. */
export interface HostGpu {
  device: PciDevice
  vendor: (typeof GPU_VENDORS)[keyof typeof GPU_VENDORS]
  /** Null for a device id the table does not know: still a GPU, of unknown model and VRAM. */
  model: GpuModel | null
  /**
   * The card's other functions (HDMI audio at .1, USB-C at .2 and .3 on some boards): the same
   * physical device, normally in the GPU's IOMMU group, so they are passed through together.
   */
  companions: PciDevice[]
}

/**
 * The GPUs among a host's PCI devices: display controllers (class 03xxxx: VGA 0300, 3D 0302,
 * and 0380 used by AMD Instinct boards) of NVIDIA, AMD and Intel, plus any device our table
 * names whatever its class (MI300X calls itself a processing accelerator, 1200). A server's
 * BMC VGA (ASPEED, Matrox) is not one; neither is an Intel display on bus 00, the integrated
 * graphics of the host's own CPU. Ordered by address.
 */
export function findHostGpus(devices: readonly PciDevice[]): HostGpu[] {
  const gpus = devices.filter(isGpu)
  const gpuAddresses = new Set(gpus.map((gpu) => gpu.address))
  return gpus
    .map((device) => ({
      device,
      vendor: GPU_VENDORS[device.vendorId as keyof typeof GPU_VENDORS],
      model: gpuModelByPciId(device.vendorId, device.deviceId),
      companions: devices.filter(
        (other) => pciSlotOf(other.address) === pciSlotOf(device.address) && !gpuAddresses.has(other.address),
      ),
    }))
    .sort((a, b) => a.device.address.localeCompare(b.device.address))
}

function isGpu(device: PciDevice): boolean {
  if (!isGpuVendorId(device.vendorId)) return false
  if (gpuModelByPciId(device.vendorId, device.deviceId) !== null) return true
  if (!device.classCode.startsWith('03')) return false
  return !(device.vendorId === '8086' && device.address.slice(5, 7) === '00')
}

/** How a report names a GPU: its model, or the vendor and ids when the model is unknown. */
export function describeHostGpu(gpu: HostGpu): string {
  const model = gpu.model ? gpu.model.name : `unknown ${gpu.vendor} GPU ${gpu.device.vendorId}:${gpu.device.deviceId}`
  return `${model} at ${gpu.device.address}`
}
