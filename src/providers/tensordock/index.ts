export {
  createTensorDockAdapter,
  DEFAULT_TENSORDOCK_IMAGE,
  MIN_STORAGE_GB,
  TensorDockAdapter,
  type SearchStats,
  type TensorDockAdapterOptions,
} from './tensordock-adapter.js'
export {encodeOfferKey, parseOfferKey, type TensorDockOfferKey} from './tensordock-offer-id.js'
