import type {TensorDockSimConfig} from './config.js'
import type {TdInstance, TdInstanceStore} from './instances.js'

/**
 * `GET /api/v2/instances/{id}`: **unwrapped**, with TensorDock's mixed casing: `ipAddress`,
 * `portForwards`, `rateHourly` in camelCase, the forward entries in snake_case (providers.md §2.7).
 */
export function renderInstance(store: TdInstanceStore, instance: TdInstance): Record<string, unknown> {
  return {type: 'virtualmachine', id: instance.id, name: instance.name, ...details(store, instance)}
}

function details(store: TdInstanceStore, instance: TdInstance): Record<string, unknown> {
  return {
    status: store.status(instance),
    ipAddress: store.ipAddress(instance),
    portForwards: store.portForwards(instance),
    rateHourly: store.rateHourly(instance),
    resources: {
      vcpu_count: instance.vcpuCount,
      ram_gb: instance.ramGb,
      storage_gb: instance.storageGb,
      gpus: {[instance.v0Name]: {count: instance.gpuCount, v0Name: instance.v0Name}},
    },
  }
}

/**
 * `GET /api/v2/instances`. Documented: `{"data":{"instances":[{type,id,attributes}]}}` with
 * `type: "VM"` as the docs show it; live it also came as `{"data":[...]}` and with flat items,
 * so the variants are switchable (config `list_shape`, `list_items`).
 */
export function renderInstanceList(store: TdInstanceStore, instances: readonly TdInstance[], config: TensorDockSimConfig): Record<string, unknown> {
  const items = instances.map((i) =>
    config.listItems === 'flat'
      ? {id: i.id, name: i.name, ...details(store, i)}
      : {type: 'VM', id: i.id, attributes: {name: i.name, ...details(store, i)}},
  )
  return config.listShape === 'array' ? {data: items} : {data: {instances: items}}
}
