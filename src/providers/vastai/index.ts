export {createVastAiAdapter, DEFAULT_VAST_IMAGE, VastAiAdapter, type AdapterLogger, type SearchStats, type VastAiAdapterOptions} from './vastai-adapter.js'
