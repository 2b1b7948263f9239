export {createVastAiAdapter, DEFAULT_VAST_IMAGE, VastAiAdapter, type SearchStats, type VastAiAdapterOptions} from './vastai-adapter.js'
