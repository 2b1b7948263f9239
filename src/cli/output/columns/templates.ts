import type {TemplateDto} from '../../../core/api/templates.js'
import type {Column} from './column.js'
import {listCell} from './catalog.js'

/** "≥ 12.8", or "-" when the template needs no particular CUDA. */
function cudaCell(t: Pick<TemplateDto, 'min_cuda_version'>): string {
  return t.min_cuda_version === null ? '-' : `>= ${t.min_cuda_version}`
}

function diskCell(t: Pick<TemplateDto, 'recommended_disk_gb'>): string {
  return t.recommended_disk_gb === null ? '-' : `${t.recommended_disk_gb} GB`
}

/** Where the NVIDIA driver comes from, in words. */
export function driverText(driver: TemplateDto['nvidia_driver']): string {
  switch (driver) {
    case 'host':
      return "the host's (the offer's CUDA)"
    case 'installed':
      return 'installed in the image'
    case 'missing':
      return 'not installed: install one before using the GPU'
    case 'unverified':
      return 'not known'
  }
}

export const TEMPLATE_COLUMNS: readonly Column<TemplateDto>[] = [
  {id: 'id', header: 'ID', value: (t) => t.id},
  {id: 'name', header: 'NAME', value: (t) => t.name},
  {id: 'image', header: 'IMAGE', value: (t) => t.image ?? '-'},
  {id: 'cuda', header: 'CUDA', value: cudaCell},
  {id: 'disk', header: 'DISK', align: 'right', value: diskCell},
  {id: 'ports', header: 'PORTS', value: (t) => listCell(t.exposed_ports.map(String))},
  {id: 'recommended', header: 'RECOMMENDED', value: (t) => (t.recommended ? 'yes' : 'no')},
]

/** One template as label and value pairs, in reading order; variables by name only. */
export function templateDetails(t: TemplateDto): Array<[string, string]> {
  return [
    ['Template', t.id],
    ['Name', t.name],
    ['Provider', `${t.provider} (its id ${t.provider_template_id})`],
    ['Image', t.image ?? '-'],
    ['Description', t.description ?? '-'],
    ['Starts', t.on_start ?? '-'],
    ['Ports', t.exposed_ports.length > 0 ? t.exposed_ports.join(', ') : '-'],
    ['Variables', t.env_names.length > 0 ? `${t.env_names.join(', ')} (values not shown)` : '-'],
    ['CUDA', t.min_cuda_version === null ? 'any' : `${t.min_cuda_version} or later`],
    ['Disk', t.recommended_disk_gb === null ? '-' : `${t.recommended_disk_gb} GB or more`],
    ['NVIDIA driver', driverText(t.nvidia_driver)],
    ['Recommended', t.recommended ? 'yes' : 'no'],
  ]
}
