/**
 * One canonical GPU name per model and form factor, whichever marketplace sells it, so that
 * "RTX 4090" from Vast.ai and "NVIDIA GeForce RTX 4090 PCIe 24GB" from TensorDock land in
 * the same inventory bucket. Form factor and VRAM only appear in the name where they change
 * what the user gets (A100 40/80 GB, SXM vs PCIe; V100 16/32 GB; H100 NVL).
 */

export type GpuFormFactor = 'SXM' | 'PCIe' | 'NVL'

/** A parsed GPU name: the model family plus the variant facts that matter for matching. */
export interface GpuDescriptor {
  /** Display name of the model without variant suffixes, e.g. "A100", "RTX 4090". Empty for an empty input. */
  family: string
  formFactor: GpuFormFactor | null
  vramGb: number | null
}

/** Vast.ai `gpu_name` spellings (from `/api/v0/gpu_names/unique/`), used to push name filters down. */
export const VAST_GPU_NAMES: readonly string[] = [
  'A10', 'A100 PCIE', 'A100 SXM4', 'A100X', 'A40', 'A800 PCIE', 'B200', 'GH200', 'GH200 SXM',
  'GTX 1050 Ti', 'GTX 1060', 'GTX 1070', 'GTX 1070 Ti', 'GTX 1080', 'GTX 1080 Ti', 'GTX 1650',
  'GTX 1660', 'GTX 1660 S', 'GTX 1660 Ti', 'GTX TITAN X', 'H100 NVL', 'H100 PCIE', 'H100 SXM',
  'H200', 'H200 NVL', 'L4', 'L40', 'L40S', 'Q RTX 4000', 'Q RTX 6000', 'Q RTX 8000',
  'Quadro K2200', 'Quadro P4000', 'RTX 2060', 'RTX 2060S', 'RTX 2070', 'RTX 2070S', 'RTX 2080',
  'RTX 2080S', 'RTX 2080 Ti', 'RTX 3050', 'RTX 3060', 'RTX 3060 laptop', 'RTX 3060 Ti', 'RTX 3070',
  'RTX 3070 laptop', 'RTX 3070 Ti', 'RTX 3080', 'RTX 3080 Ti', 'RTX 3090', 'RTX 3090 Ti',
  'RTX 4060', 'RTX 4060 Ti', 'RTX 4070', 'RTX 4070S', 'RTX 4070S Ti', 'RTX 4070 Ti', 'RTX 4080',
  'RTX 4080S', 'RTX 4090', 'RTX 4090D', 'RTX 2000Ada', 'RTX 4000Ada', 'RTX 4500Ada', 'RTX 5000Ada',
  'RTX 5880Ada', 'RTX 6000Ada', 'RTX 5060', 'RTX 5060 Ti', 'RTX 5070', 'RTX 5070 Ti', 'RTX 5080',
  'RTX 5090', 'RTX A2000', 'RTX A4000', 'RTX A4500', 'RTX A5000', 'RTX A6000', 'RTX PRO 6000 S',
  'RTX PRO 6000 WS', 'Tesla P100', 'Tesla P4', 'Tesla P40', 'Tesla T4', 'Tesla V100', 'Titan RTX',
  'Titan V', 'Titan Xp',
]

/** Marketing sizes; nvidia-smi reports a little less (24564 MiB for a 24 GB card). */
const KNOWN_VRAM_GB = [2, 3, 4, 6, 8, 10, 11, 12, 16, 20, 24, 32, 40, 48, 64, 80, 94, 96, 141, 180, 192]
const VRAM_SNAP_TOLERANCE = 0.07

/** Per-GPU VRAM in whole GB from the MiB figure providers copy from nvidia-smi. */
export function vramGbFromMib(mib: number): number {
  if (!Number.isFinite(mib) || mib <= 0) return 0
  const gib = mib / 1024
  let best = KNOWN_VRAM_GB[0] ?? 0
  for (const size of KNOWN_VRAM_GB) if (Math.abs(gib - size) < Math.abs(gib - best)) best = size
  return Math.abs(gib - best) / best <= VRAM_SNAP_TOLERANCE ? best : Math.round(gib)
}

/** The canonical name; unknown models come back cleaned (vendor prefixes dropped, spacing fixed), never empty for non-empty input. */
export function normalizeGpuName(raw: string, vramGb?: number): string {
  return renderGpuName(describeGpu(raw, vramGb))
}

/** Whether a GPU (canonical or raw name) satisfies a user's `--gpu-type` filter, case-insensitively. */
export function gpuMatchesFilter(gpuType: string, filter: string, vramGb?: number): boolean {
  return gpuTypeMatcher(filter)(gpuType, vramGb)
}

/** A parsed `--gpu-type` filter, applied to many GPUs. */
export interface GpuTypeMatcher {
  (gpuType: string, vramGb?: number | null): boolean
  /** The filter names a memory size, so a GPU's VRAM can decide where its name does not ("RTX 4090 48GB"). */
  readonly namesVram: boolean
  /**
   * Whether a model can match by its name alone: a memory size the name does not carry is not
   * held against it. For narrowing many offers to a few models before their VRAM is looked at.
   */
  byName(gpuType: string): boolean
}

/**
 * The one GPU-type matcher: inventory, provisioning by spec, SKUs typed as a model and the
 * TUI's filter all decide with it, so "H100" finds the same offers everywhere. The filter is
 * a model family with optional variant facts, in any marketplace's spelling: "H100" matches
 * every H100 (SXM, PCIe, NVL), "H100 SXM" and TensorDock's "h100-sxm5-80gb" only the SXM part,
 * "A100 80GB" both form factors of the 80 GB card, "4090" the RTX 4090 and not the 4090 D. An
 * empty filter matches everything.
 */
export function gpuTypeMatcher(filter: string): GpuTypeMatcher {
  const wanted = describeGpu(filter)
  const family = wanted.family.toLowerCase()
  const compare = (actual: GpuDescriptor, unknownVramMatches: boolean): boolean => {
    if (actual.family.toLowerCase() !== family) return false
    if (wanted.formFactor !== null && actual.formFactor !== wanted.formFactor) return false
    if (wanted.vramGb !== null && actual.vramGb !== wanted.vramGb && !(unknownVramMatches && actual.vramGb === null)) return false
    return true
  }
  const matches = (gpuType: string, vramGb?: number | null): boolean => family === '' || compare(describeGpu(gpuType, vramGb ?? undefined), false)
  const byName = (gpuType: string): boolean => family === '' || compare(describeGpu(gpuType), true)
  return Object.assign(matches, {namesVram: wanted.vramGb !== null, byName})
}

/**
 * The Vast.ai `gpu_name` spellings that can satisfy a user's filter ("4090" → ["RTX 4090"],
 * "A100 80GB" → both form factors). Empty when no known spelling matches: the caller then
 * cannot push the name down and filters after fetching.
 */
export function providerGpuNamesFor(canonicalOrAlias: string): string[] {
  const wanted = describeGpu(canonicalOrAlias)
  if (wanted.family === '') return []
  return VAST_GPU_NAMES.filter((spelling) => {
    const known = describeGpu(spelling)
    if (known.family.toLowerCase() !== wanted.family.toLowerCase()) return false
    if (wanted.formFactor !== null && known.formFactor !== wanted.formFactor) return false
    // A spelling that does not pin VRAM (Vast's "A100 SXM4" is 40 or 80 GB) stays a candidate.
    if (wanted.vramGb !== null && known.vramGb !== null && known.vramGb !== wanted.vramGb) return false
    return true
  })
}

const VENDOR_WORDS = new Set(['NVIDIA', 'GEFORCE', 'TESLA'])
const NOISE_WORDS = new Set(['GENERATION', 'OAM'])
const VRAM_TOKEN = /^(\d+)GB$/i
const VARIANT_PIECE = /^(?:sxm\d*|pcie|nvl|oam|\d+gb|hbm\d*e?)$/i

/** Parses any provider spelling (Vast names, TensorDock displayName or v0Name, nvidia-smi names). */
export function describeGpu(raw: string, vramGb?: number): GpuDescriptor {
  const text = raw.trim().replace(/_/g, ' ')
  if (text === '') return {family: '', formFactor: null, vramGb: null}

  let formFactor: GpuFormFactor | null = null
  let tokenVram: number | null = null
  let hbm = false
  const modelTokens: string[] = []
  for (const token of splitTokens(text)) {
    const upper = token.toUpperCase()
    const vram = VRAM_TOKEN.exec(token)
    if (vram) tokenVram = Number(vram[1])
    else if (/^SXM\d*$/.test(upper)) formFactor = 'SXM'
    else if (upper === 'PCIE') formFactor = 'PCIe'
    else if (upper === 'NVL') formFactor = 'NVL'
    else if (/^HBM\d*E?$/.test(upper)) hbm = true
    else if (!VENDOR_WORDS.has(upper) && !NOISE_WORDS.has(upper)) modelTokens.push(token)
  }

  const key = stripVendorPrefix(modelTokens.join('').toUpperCase())
  const hintVram = vramGb !== undefined && Number.isFinite(vramGb) && vramGb > 0 ? Math.round(vramGb) : null
  const vram = tokenVram ?? hintVram
  const family = familyFromKey(key)
  if (family === null) return {family: fallbackFamily(modelTokens, text, formFactor), formFactor: null, vramGb: vram}
  return applyVariantRules(family, formFactor, vram, hbm)
}

/** Splits on whitespace, and on dashes only where the dashed pieces are variants ("A100-SXM4-80GB", "h100-sxm5-80gb"). */
function splitTokens(text: string): string[] {
  const tokens: string[] = []
  for (const word of text.split(/\s+/)) {
    const pieces = word.split('-')
    if (pieces.length > 1 && pieces.slice(1).every((p) => VARIANT_PIECE.test(p))) tokens.push(...pieces)
    else tokens.push(word)
  }
  return tokens.filter((t) => t !== '')
}

/** TensorDock v0 names glue the vendor to the model ("geforcertx4090", "teslav100"). */
function stripVendorPrefix(key: string): string {
  let out = key
  for (;;) {
    const vendor = [...VENDOR_WORDS].find((v) => out.startsWith(v) && out.length > v.length)
    if (!vendor) return out
    out = out.slice(vendor.length)
  }
}

const DATA_CENTRE = /^(?:A100X?|A800|H100|H800|H200|GH200|GB200|B200|B100|L40S|L40|L20|L4|A40|A30|A16|A10G?|A2|T4|P100|P40|P4|V100|K80|M60|MI\d{2,3}X?)$/

function familyFromKey(key: string): string | null {
  let m: RegExpExecArray | null
  if (key === '') return null
  if ((m = /^(?:QUADRO|Q)RTX(\d{4})$/.exec(key))) return `Quadro RTX ${m[1]}`
  if ((m = /^QUADRO([A-Z]+\d+)$/.exec(key))) return `Quadro ${m[1]}`
  if ((m = /^RTX(\d{4})ADA$/.exec(key))) return `RTX ${m[1]} Ada`
  if ((m = /^(?:RTX)?A([2-6]\d{3})$/.exec(key))) return `RTX A${m[1]}`
  if ((m = /^RTXPRO(\d{4})(WS|S)?$/.exec(key))) return `RTX PRO ${m[1]}${m[2] ? ` ${m[2]}` : ''}`
  if ((m = /^(?:GTX)?TITAN(RTX|V|XP|X)$/.exec(key))) return `Titan ${m[1] === 'RTX' || m[1] === 'V' || m[1] === 'X' ? m[1] : 'Xp'}`
  if ((m = /^(RTX|GTX)?(\d{4})(TI)?(SUPER|S)?(TI)?(D)?(LAPTOP)?$/.exec(key))) return consumerName(m)
  if (DATA_CENTRE.test(key)) return key
  return null
}

function consumerName(m: RegExpExecArray): string {
  const [, series, number = '', ti1, superSuffix, ti2, d, laptop] = m
  // Bare numbers are an alias users type ("4090"); 10 and 16 series were sold as GTX.
  const line = series ?? (/^1[06]/.test(number) ? 'GTX' : 'RTX')
  const parts = [line, number]
  if (ti1 || ti2) parts.push('Ti')
  if (superSuffix) parts.push('SUPER')
  if (d) parts.push('D')
  if (laptop) parts.push('Laptop')
  return parts.join(' ')
}

function applyVariantRules(family: string, formFactor: GpuFormFactor | null, vram: number | null, hbm: boolean): GpuDescriptor {
  switch (family) {
    case 'A100':
      return {family, formFactor: formFactor === 'NVL' ? null : formFactor, vramGb: vram === null ? null : vram >= 60 ? 80 : 40}
    case 'H100': {
      if (formFactor === 'NVL' || (formFactor === null && vram !== null && vram >= 90)) return {family, formFactor: 'NVL', vramGb: 94}
      // nvidia-smi calls the SXM part "H100 80GB HBM3".
      const ff = formFactor ?? (hbm ? 'SXM' : null)
      return {family, formFactor: ff, vramGb: ff !== null || vram !== null ? 80 : null}
    }
    case 'H200':
      return {family, formFactor: formFactor === 'NVL' ? 'NVL' : null, vramGb: vram}
    case 'V100':
      return {family, formFactor: null, vramGb: vram === null ? null : vram >= 24 ? 32 : 16}
    default:
      return {family, formFactor: null, vramGb: vram}
  }
}

function fallbackFamily(modelTokens: string[], text: string, formFactor: GpuFormFactor | null): string {
  const lowerV0 = /^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(text)
  const base = lowerV0 ? stripVendorPrefix(modelTokens.join('').toUpperCase()) : modelTokens.join(' ')
  const name = base === '' ? text : base
  return formFactor === 'SXM' || formFactor === 'NVL' ? `${name} ${formFactor}` : name
}

/** The canonical display form of a descriptor. */
export function renderGpuName(gpu: GpuDescriptor): string {
  const {family, formFactor, vramGb} = gpu
  switch (family) {
    case 'A100': {
      const parts: string[] = [family]
      if (vramGb !== null) parts.push(`${vramGb}GB`)
      if (formFactor !== null) parts.push(formFactor)
      return parts.join(' ')
    }
    case 'H100':
      if (formFactor === 'NVL') return 'H100 NVL'
      return [family, vramGb !== null ? `${vramGb}GB` : null, formFactor].filter((p) => p !== null).join(' ')
    case 'H200':
      return formFactor === 'NVL' ? 'H200 NVL' : family
    case 'V100':
      return vramGb !== null ? `V100 ${vramGb}GB` : family
    default:
      return family
  }
}
