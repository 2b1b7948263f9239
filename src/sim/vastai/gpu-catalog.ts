/**
 * GPU models as Vast.ai spells them in `gpu_name`, with VRAM in MiB as nvidia-smi reports it
 * and the per-GPU on-demand price range of the real market (shared/fixtures/market-shape.md).
 */
export interface GpuModel {
  gpuName: string
  /** MiB per GPU (Vast's `gpu_ram`). */
  gpuRamMiB: number
  /** CUDA compute capability × 100. */
  computeCap: number
  /** USD per GPU-hour, typical low and high. */
  priceRange: readonly [number, number]
  /** Relative share of listings. */
  weight: number
  /** Data-centre parts are the only ones offered 8 to a machine. */
  datacenter: boolean
  /** Rough dense FP16 TFLOPS per GPU, for `total_flops` and `dlperf`. */
  tflops: number
  memBandwidthGBs: number
  maxPowerW: number
  cpuArch?: 'amd64' | 'arm64'
}

export const GPU_CATALOG: readonly GpuModel[] = [
  {gpuName: 'RTX 3060', gpuRamMiB: 12288, computeCap: 860, priceRange: [0.03, 0.08], weight: 6, datacenter: false, tflops: 12.7, memBandwidthGBs: 360, maxPowerW: 170},
  {gpuName: 'RTX 3090', gpuRamMiB: 24576, computeCap: 860, priceRange: [0.08, 0.25], weight: 14, datacenter: false, tflops: 35.6, memBandwidthGBs: 936, maxPowerW: 350},
  {gpuName: 'RTX 3090 Ti', gpuRamMiB: 24564, computeCap: 860, priceRange: [0.12, 0.3], weight: 2, datacenter: false, tflops: 40, memBandwidthGBs: 1008, maxPowerW: 450},
  {gpuName: 'RTX 4090', gpuRamMiB: 24564, computeCap: 890, priceRange: [0.08, 0.45], weight: 22, datacenter: false, tflops: 82.6, memBandwidthGBs: 1008, maxPowerW: 450},
  {gpuName: 'RTX 5060 Ti', gpuRamMiB: 16311, computeCap: 1200, priceRange: [0.06, 0.1], weight: 2, datacenter: false, tflops: 23.7, memBandwidthGBs: 448, maxPowerW: 180},
  {gpuName: 'RTX 5080', gpuRamMiB: 16303, computeCap: 1200, priceRange: [0.12, 0.25], weight: 2, datacenter: false, tflops: 56.3, memBandwidthGBs: 960, maxPowerW: 360},
  {gpuName: 'RTX 5090', gpuRamMiB: 32607, computeCap: 1200, priceRange: [0.2, 0.65], weight: 8, datacenter: false, tflops: 104.8, memBandwidthGBs: 1792, maxPowerW: 575},
  {gpuName: 'RTX A5000', gpuRamMiB: 24564, computeCap: 860, priceRange: [0.15, 0.3], weight: 3, datacenter: false, tflops: 27.8, memBandwidthGBs: 768, maxPowerW: 230},
  {gpuName: 'RTX A6000', gpuRamMiB: 49140, computeCap: 860, priceRange: [0.35, 0.6], weight: 6, datacenter: false, tflops: 38.7, memBandwidthGBs: 768, maxPowerW: 300},
  {gpuName: 'RTX 4000Ada', gpuRamMiB: 20475, computeCap: 890, priceRange: [0.1, 0.2], weight: 2, datacenter: false, tflops: 26.7, memBandwidthGBs: 360, maxPowerW: 130},
  {gpuName: 'RTX 6000Ada', gpuRamMiB: 49140, computeCap: 890, priceRange: [0.6, 1.0], weight: 2, datacenter: false, tflops: 91.1, memBandwidthGBs: 960, maxPowerW: 300},
  {gpuName: 'Q RTX 8000', gpuRamMiB: 49152, computeCap: 750, priceRange: [0.2, 0.4], weight: 1, datacenter: false, tflops: 16.3, memBandwidthGBs: 672, maxPowerW: 260},
  {gpuName: 'Tesla T4', gpuRamMiB: 15360, computeCap: 750, priceRange: [0.05, 0.15], weight: 1, datacenter: true, tflops: 8.1, memBandwidthGBs: 320, maxPowerW: 70},
  {gpuName: 'L4', gpuRamMiB: 23034, computeCap: 890, priceRange: [0.25, 0.45], weight: 2, datacenter: true, tflops: 30.3, memBandwidthGBs: 300, maxPowerW: 72},
  {gpuName: 'L40S', gpuRamMiB: 46068, computeCap: 890, priceRange: [0.6, 1.0], weight: 2, datacenter: true, tflops: 91.6, memBandwidthGBs: 864, maxPowerW: 350},
  {gpuName: 'A40', gpuRamMiB: 46068, computeCap: 860, priceRange: [0.35, 0.55], weight: 2, datacenter: true, tflops: 37.4, memBandwidthGBs: 696, maxPowerW: 300},
  {gpuName: 'Tesla V100', gpuRamMiB: 16384, computeCap: 700, priceRange: [0.1, 0.2], weight: 1, datacenter: true, tflops: 28.3, memBandwidthGBs: 900, maxPowerW: 300},
  {gpuName: 'Tesla V100', gpuRamMiB: 32768, computeCap: 700, priceRange: [0.14, 0.25], weight: 1, datacenter: true, tflops: 28.3, memBandwidthGBs: 900, maxPowerW: 300},
  {gpuName: 'A100 PCIE', gpuRamMiB: 40960, computeCap: 800, priceRange: [0.4, 0.8], weight: 1, datacenter: true, tflops: 78, memBandwidthGBs: 1555, maxPowerW: 250},
  {gpuName: 'A100 SXM4', gpuRamMiB: 40960, computeCap: 800, priceRange: [0.45, 0.8], weight: 1, datacenter: true, tflops: 78, memBandwidthGBs: 1555, maxPowerW: 400},
  {gpuName: 'A100 PCIE', gpuRamMiB: 81920, computeCap: 800, priceRange: [0.33, 1.1], weight: 2, datacenter: true, tflops: 78, memBandwidthGBs: 1935, maxPowerW: 300},
  {gpuName: 'A100 SXM4', gpuRamMiB: 81920, computeCap: 800, priceRange: [0.5, 1.2], weight: 3, datacenter: true, tflops: 78, memBandwidthGBs: 2039, maxPowerW: 400},
  {gpuName: 'H100 PCIE', gpuRamMiB: 81559, computeCap: 900, priceRange: [1.3, 2.2], weight: 2, datacenter: true, tflops: 204.9, memBandwidthGBs: 2039, maxPowerW: 350},
  {gpuName: 'H100 SXM', gpuRamMiB: 81559, computeCap: 900, priceRange: [1.5, 2.6], weight: 4, datacenter: true, tflops: 267.6, memBandwidthGBs: 3352, maxPowerW: 700},
  {gpuName: 'H100 NVL', gpuRamMiB: 95830, computeCap: 900, priceRange: [1.8, 2.6], weight: 0.6, datacenter: true, tflops: 241.3, memBandwidthGBs: 3938, maxPowerW: 400},
  {gpuName: 'H200', gpuRamMiB: 143771, computeCap: 900, priceRange: [2.19, 3.5], weight: 0.6, datacenter: true, tflops: 267.6, memBandwidthGBs: 4800, maxPowerW: 700},
  {gpuName: 'GH200', gpuRamMiB: 97871, computeCap: 900, priceRange: [1.3, 1.8], weight: 0.3, datacenter: true, tflops: 267.6, memBandwidthGBs: 4000, maxPowerW: 900, cpuArch: 'arm64'},
  {gpuName: 'B200', gpuRamMiB: 183359, computeCap: 1000, priceRange: [3.5, 6.0], weight: 0.4, datacenter: true, tflops: 600, memBandwidthGBs: 8000, maxPowerW: 1000},
]

/** Distinct `gpu_name` values, in catalog order (for `/api/v0/gpu_names/unique/`). */
export function uniqueGpuNames(): string[] {
  return [...new Set(GPU_CATALOG.map((m) => m.gpuName))]
}
