import {parseDockerEnvFlags} from '../../core/docker-env-flags.js'
import {isRecord} from '../shared/http-util.js'
import {matchesFilter, parseFieldFilters, QueryError, type Filter} from './query.js'

/**
 * Vast.ai templates: `GET /api/v0/template/?select_filters=<json>` → `{"templates": [...]}`
 * (providers.md §1.3). A row carries the template's image and tag, its environment as one
 * string of docker flags, its start command, the disk it needs and, in `extra_filters`, the
 * offer query a machine must pass to run it. `extra_filters` is sent as JSON text: that is how
 * cloud-gpu-shopper (live) and other clients of the real API read it. `created_at` is epoch
 * seconds, as vast.py's `search templates` documents it.
 */
export interface VastTemplateRow {
  id: number
  hash_id: string
  name: string
  image: string
  tag: string
  desc: string
  readme: string | null
  env: string
  onstart: string
  runtype: 'ssh' | 'jupyter' | 'args'
  args_str: string
  use_ssh: boolean
  ssh_direct: boolean
  jup_direct: boolean
  jupyter_dir: string | null
  use_jupyter_lab: boolean
  python_utf8: boolean
  lang_utf8: boolean
  docker_login_repo: string | null
  href: string | null
  repo: string | null
  recommended: boolean
  recommended_disk_space: number
  extra_filters: string
  private: boolean
  creator_id: number
  count_created: number
  created_at: number
  recent_create_date: number
}

/** Vast.ai's own account, which publishes the recommended templates. */
const VAST_CREATOR = 62897

const filters = (query: Record<string, unknown>) => JSON.stringify(query)

/**
 * What a renter sees: Vast's recommended templates and one popular community template. The
 * Ollama template's hash is the one the seed's curl example rents with.
 */
export const SIM_TEMPLATES: readonly VastTemplateRow[] = [
  {
    id: 338630,
    hash_id: 'a8a44c7363cbca20056020397e3bf072',
    name: 'Ollama',
    image: 'vastai/ollama',
    tag: '0.15.4',
    desc: 'Run open models with Ollama behind an OpenAI-compatible API; pulls OLLAMA_MODEL at start.',
    readme: '# Ollama\nThe API listens on port 21434 (proxied); the portal on 1111.',
    env: '-p 1111:1111 -p 21434:21434 -e OLLAMA_MODEL=qwen3:14b -e OPEN_BUTTON_PORT=1111 -e OPEN_BUTTON_TOKEN=1',
    onstart: 'entrypoint.sh',
    runtype: 'jupyter',
    args_str: '',
    use_ssh: true,
    ssh_direct: true,
    jup_direct: true,
    jupyter_dir: '/',
    use_jupyter_lab: false,
    python_utf8: false,
    lang_utf8: false,
    docker_login_repo: null,
    href: 'https://ollama.com',
    repo: 'vastai/ollama',
    recommended: true,
    recommended_disk_space: 32,
    extra_filters: filters({cpu_arch: {in: ['arm64', 'amd64']}}),
    private: false,
    creator_id: VAST_CREATOR,
    count_created: 302,
    created_at: 1770056848.0,
    recent_create_date: 1778112512.4,
  },
  {
    id: 311204,
    hash_id: '614914b697e8e18390c15ebb5f5977a5',
    name: 'PyTorch (Vast)',
    image: 'vastai/pytorch',
    tag: '2.5.1-cuda-12.4.1-py311-22.04',
    desc: 'PyTorch 2.5 with CUDA 12.4, Jupyter and SSH.',
    readme: '# PyTorch\nWork in /workspace; Jupyter on 8080.',
    env: '-p 8080:8080 -e JUPYTER_DIR=/ -e DATA_DIRECTORY=/workspace/',
    onstart: 'entrypoint.sh',
    runtype: 'jupyter',
    args_str: '',
    use_ssh: true,
    ssh_direct: true,
    jup_direct: true,
    jupyter_dir: '/',
    use_jupyter_lab: true,
    python_utf8: false,
    lang_utf8: false,
    docker_login_repo: null,
    href: 'https://pytorch.org',
    repo: 'vastai/pytorch',
    recommended: true,
    recommended_disk_space: 32,
    extra_filters: filters({cuda_max_good: {gte: '12.4'}}),
    private: false,
    creator_id: VAST_CREATOR,
    count_created: 48_213,
    created_at: 1736972400.5,
    recent_create_date: 1778115021.9,
  },
  {
    id: 301552,
    hash_id: '5d06b2f9f111c6ea91eab8bd649df901',
    name: 'NVIDIA CUDA',
    image: 'nvidia/cuda',
    tag: '12.6.3-cudnn-devel-ubuntu22.04',
    desc: 'Plain CUDA 12.6 development image with cuDNN, for SSH work.',
    readme: null,
    env: '',
    onstart: '',
    runtype: 'ssh',
    args_str: '',
    use_ssh: true,
    ssh_direct: true,
    jup_direct: false,
    jupyter_dir: null,
    use_jupyter_lab: false,
    python_utf8: false,
    lang_utf8: false,
    docker_login_repo: null,
    href: 'https://hub.docker.com/r/nvidia/cuda',
    repo: null,
    recommended: true,
    recommended_disk_space: 20,
    extra_filters: filters({cuda_max_good: {gte: '12.6'}}),
    private: false,
    creator_id: VAST_CREATOR,
    count_created: 21_907,
    created_at: 1733011200.0,
    recent_create_date: 1778109330.2,
  },
  {
    id: 342177,
    hash_id: 'a3b7c4ee4de0fbcc79c320b759c1c615',
    name: 'vLLM',
    image: 'vllm/vllm-openai',
    tag: 'v0.10.1.1',
    desc: 'vLLM OpenAI-compatible server; set VLLM_MODEL and, for gated models, HF_TOKEN.',
    readme: '# vLLM\nServes VLLM_MODEL on port 8000 (/v1/chat/completions).',
    env: '-p 8000:8000 -e VLLM_MODEL=Qwen/Qwen3-8B -e VLLM_ARGS="--max-model-len 8192 --gpu-memory-utilization 0.90" -e HF_TOKEN=hf_vastTemplatePlaceholder0000',
    onstart: 'vllm serve "$VLLM_MODEL" $VLLM_ARGS --host 0.0.0.0 --port 8000 > /var/log/vllm.log 2>&1 &',
    runtype: 'ssh',
    args_str: '',
    use_ssh: true,
    ssh_direct: true,
    jup_direct: false,
    jupyter_dir: null,
    use_jupyter_lab: false,
    python_utf8: false,
    lang_utf8: false,
    docker_login_repo: null,
    href: 'https://docs.vllm.ai',
    repo: 'vllm-project/vllm',
    recommended: true,
    recommended_disk_space: 100,
    extra_filters: filters({cuda_max_good: {gte: '12.8'}, gpu_total_ram: {gte: 20000}}),
    private: false,
    creator_id: VAST_CREATOR,
    count_created: 9_841,
    created_at: 1754352000.0,
    recent_create_date: 1778116002.7,
  },
  {
    id: 329908,
    hash_id: '213ccdc5137e310684d541324a055b8b',
    name: 'Text Generation Inference',
    image: 'ghcr.io/huggingface/text-generation-inference',
    tag: '3.3.4',
    desc: "Hugging Face's TGI server; serves MODEL_ID on port 8080.",
    readme: null,
    env: '-p 8080:8080 -e MODEL_ID=Qwen/Qwen2.5-7B-Instruct -e HF_TOKEN=',
    onstart: 'text-generation-launcher --model-id "$MODEL_ID" --hostname 0.0.0.0 --port 8080 &',
    runtype: 'ssh',
    args_str: '',
    use_ssh: true,
    ssh_direct: true,
    jup_direct: false,
    jupyter_dir: null,
    use_jupyter_lab: false,
    python_utf8: false,
    lang_utf8: false,
    docker_login_repo: null,
    href: 'https://huggingface.co/docs/text-generation-inference',
    repo: 'huggingface/text-generation-inference',
    recommended: true,
    recommended_disk_space: 80,
    extra_filters: filters({cuda_max_good: {gte: '12.4'}}),
    private: false,
    creator_id: VAST_CREATOR,
    count_created: 3_377,
    created_at: 1748736000.0,
    recent_create_date: 1778098811.3,
  },
  {
    id: 287731,
    hash_id: '41438a8c75953cdaf8be6d35862717ef',
    name: 'Jupyter (base image)',
    image: 'vastai/base-image',
    tag: 'cuda-12.1.1-auto',
    desc: "Vast's base image: Jupyter, SSH and the instance portal, nothing else.",
    readme: null,
    env: '-p 1111:1111 -p 8080:8080 -e OPEN_BUTTON_PORT=1111 -e JUPYTER_DIR=/',
    onstart: 'entrypoint.sh',
    runtype: 'jupyter',
    args_str: '',
    use_ssh: true,
    ssh_direct: true,
    jup_direct: true,
    jupyter_dir: '/',
    use_jupyter_lab: true,
    python_utf8: false,
    lang_utf8: false,
    docker_login_repo: null,
    href: null,
    repo: 'vast-ai/base-image',
    recommended: true,
    recommended_disk_space: 16,
    extra_filters: filters({cuda_max_good: {gte: '12.1'}}),
    private: false,
    creator_id: VAST_CREATOR,
    count_created: 61_502,
    created_at: 1725148800.0,
    recent_create_date: 1778116410.8,
  },
  {
    id: 356014,
    hash_id: '0975b65b4e7d3ccecd7f04bd886038dd',
    name: 'ComfyUI (community)',
    image: 'ghcr.io/ai-dock/comfyui',
    tag: 'v2-cuda-12.9.0-py3.11',
    desc: 'ComfyUI with a model download on first start; needs a recent driver.',
    readme: null,
    env: '-p 8188:8188 -e COMFYUI_ARGS=--listen -e CIVITAI_TOKEN=civitai_placeholder_7d1f',
    onstart: 'init.sh',
    runtype: 'jupyter',
    args_str: '',
    use_ssh: true,
    ssh_direct: false,
    jup_direct: true,
    jupyter_dir: '/workspace',
    use_jupyter_lab: false,
    python_utf8: true,
    lang_utf8: true,
    docker_login_repo: null,
    href: null,
    repo: 'ai-dock/comfyui',
    recommended: false,
    recommended_disk_space: 120,
    extra_filters: filters({cuda_max_good: {gte: '12.9'}}),
    private: false,
    creator_id: 118_402,
    count_created: 1_206,
    created_at: 1765929600.0,
    recent_create_date: 1778074800.1,
  },
]

/** The columns `select_filters` may test (vast.py's `templates_fields`); others are refused. */
const FILTERABLE = new Set([
  'creator_id',
  'created_at',
  'count_created',
  'default_tag',
  'docker_login_repo',
  'id',
  'image',
  'jup_direct',
  'hash_id',
  'private',
  'name',
  'recent_create_date',
  'recommended_disk_space',
  'recommended',
  'ssh_direct',
  'tag',
  'use_ssh',
])

/** The templates `select_filters` lets through, in id order; a malformed filter throws QueryError. */
export function searchTemplates(rows: readonly VastTemplateRow[], rawFilters: string | null): VastTemplateRow[] {
  const filters = parseTemplateFilters(rawFilters)
  const row = (t: VastTemplateRow) => t as unknown as Record<string, unknown>
  return rows.filter((t) => filters.every((f) => matchesFilter(row(t)[f.field], f))).sort((a, b) => a.id - b.id)
}

function parseTemplateFilters(raw: string | null): Filter[] {
  if (raw === null || raw.trim() === '') return []
  let parsed: unknown
  try {
    parsed = JSON.parse(raw) as unknown
  } catch {
    throw new QueryError('select_filters is not valid JSON')
  }
  if (!isRecord(parsed)) throw new QueryError('select_filters must be a JSON object')
  const filters: Filter[] = []
  for (const [field, spec] of Object.entries(parsed)) {
    if (!FILTERABLE.has(field)) throw new QueryError(`cannot filter templates on column ${field}`)
    filters.push(...parseFieldFilters(field, spec))
  }
  return filters
}

export function findTemplate(rows: readonly VastTemplateRow[], hashId: string): VastTemplateRow | undefined {
  return rows.find((t) => t.hash_id === hashId.toLowerCase())
}

/** What a create runs once its template is merged in. */
export interface MergedLaunch {
  image: string
  env: Record<string, string>
  onstart: string | null
  runtype: string
  disk: number
}

/**
 * A create with `template_hash_id`, as the real API merges it (providers.md §1.6): what the
 * request sets wins, `env` is merged by key (the template's docker-flag string read into the
 * dict a create takes, its `-p` mappings included), and the template fills in what the request
 * leaves out: image and tag, start command, run type, disk.
 */
export function mergeTemplate(template: VastTemplateRow, body: Record<string, unknown>, requestEnv: Record<string, string>): MergedLaunch {
  const given = (v: unknown): v is string => typeof v === 'string' && v.trim() !== ''
  const disk = body.disk === undefined || body.disk === null ? template.recommended_disk_space : Number(body.disk)
  return {
    image: given(body.image) ? body.image : `${template.image}:${template.tag}`,
    env: {...parseDockerEnvFlags(template.env), ...requestEnv},
    onstart: given(body.onstart) ? body.onstart : template.onstart === '' ? null : template.onstart,
    runtype: given(body.runtype) ? body.runtype : template.runtype,
    disk,
  }
}
