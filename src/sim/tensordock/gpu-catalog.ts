/**
 * GPUs TensorDock lists, by `v0Name` (the key a create request uses) with the `displayName`
 * the v2 API shows (providers.md §2.4). Prices are USD per GPU-hour from the TensorDock column
 * of fixtures/market-shape.md.
 */
export interface TensorDockGpuModel {
  v0Name: string
  displayName: string
  vramGb: number
  /** USD per GPU-hour, typical low and high. */
  priceRange: readonly [number, number]
  /** Data-centre parts come in 1/2/4/8 per node; consumer cards in 1–4. */
  datacenter: boolean
  /**
   * Chance a location shows the raw v0Name as the displayName. Live, A40 and RTX 5090 arrived
   * raw (`a40-pcie-48gb`), so adapters must not trust displayName.
   */
  rawDisplayChance: number
  /** Relative share of location listings. */
  weight: number
}

export const TENSORDOCK_GPUS: readonly TensorDockGpuModel[] = [
  {v0Name: 'geforcertx4090-pcie-24gb', displayName: 'NVIDIA GeForce RTX 4090 PCIe 24GB', vramGb: 24, priceRange: [0.35, 0.44], datacenter: false, rawDisplayChance: 0, weight: 30},
  {v0Name: 'geforcertx3090-pcie-24gb', displayName: 'NVIDIA GeForce RTX 3090 PCIe 24GB', vramGb: 24, priceRange: [0.2, 0.25], datacenter: false, rawDisplayChance: 0, weight: 16},
  {v0Name: 'geforcertx5090-pcie-32gb', displayName: 'NVIDIA GeForce RTX 5090 PCIe 32GB', vramGb: 32, priceRange: [0.55, 0.7], datacenter: false, rawDisplayChance: 0.5, weight: 10},
  {v0Name: 'rtxa5000-pcie-24gb', displayName: 'NVIDIA RTX A5000 PCIe 24GB', vramGb: 24, priceRange: [0.22, 0.3], datacenter: false, rawDisplayChance: 0, weight: 6},
  {v0Name: 'rtxa6000-pcie-48gb', displayName: 'NVIDIA RTX A6000 PCIe 48GB', vramGb: 48, priceRange: [0.4, 0.5], datacenter: false, rawDisplayChance: 0, weight: 9},
  {v0Name: 'rtx6000ada-pcie-48gb', displayName: 'NVIDIA RTX 6000 Ada PCIe 48GB', vramGb: 48, priceRange: [0.7, 0.9], datacenter: false, rawDisplayChance: 0, weight: 4},
  {v0Name: 'l4-pcie-24gb', displayName: 'NVIDIA L4 PCIe 24GB', vramGb: 24, priceRange: [0.25, 0.35], datacenter: true, rawDisplayChance: 0, weight: 5},
  {v0Name: 'a40-pcie-48gb', displayName: 'NVIDIA A40 PCIe 48GB', vramGb: 48, priceRange: [0.4, 0.5], datacenter: true, rawDisplayChance: 0.6, weight: 5},
  {v0Name: 'l40s-pcie-48gb', displayName: 'NVIDIA L40S PCIe 48GB', vramGb: 48, priceRange: [0.7, 1.0], datacenter: true, rawDisplayChance: 0, weight: 4},
  {v0Name: 'teslav100-pcie-16gb', displayName: 'NVIDIA Tesla V100 PCIe 16GB', vramGb: 16, priceRange: [0.19, 0.25], datacenter: true, rawDisplayChance: 0, weight: 4},
  {v0Name: 'a100-pcie-80gb', displayName: 'NVIDIA A100 PCIe 80GB', vramGb: 80, priceRange: [0.85, 1.2], datacenter: true, rawDisplayChance: 0, weight: 5},
  {v0Name: 'h100-sxm5-80gb', displayName: 'NVIDIA H100 SXM5 80GB', vramGb: 80, priceRange: [1.8, 2.4], datacenter: true, rawDisplayChance: 0, weight: 5},
]

export function findGpuModel(v0Name: string): TensorDockGpuModel | undefined {
  return TENSORDOCK_GPUS.find((m) => m.v0Name === v0Name)
}

/** Create requests may name any GPU TensorDock has ever listed; unknown names fail validation. */
export function isKnownV0Name(v0Name: string): boolean {
  return findGpuModel(v0Name) !== undefined
}
