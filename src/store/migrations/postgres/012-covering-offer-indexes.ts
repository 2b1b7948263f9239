/** SQLite's migration 012: the sort indexes carry the filter columns (as INCLUDE columns here); see there. */
const FILTERS = ['provider', 'gpu_type_key', 'vram_gb', 'gpu_count', 'price_per_hour_micro', 'country_code', 'reliability', 'cuda_version', 'location_key', 'tenant_id']

function covering(name: string, key: string, column: string): string {
  return `CREATE INDEX ${name} ON offers (available, ${key}, id) INCLUDE (${FILTERS.filter((c) => c !== column).join(', ')});`
}

export const sql = `
DROP INDEX offers_by_price;
DROP INDEX offers_by_price_per_gpu;
DROP INDEX offers_by_vram;
DROP INDEX offers_by_reliability;
DROP INDEX offers_by_fetched_at;
DROP INDEX offers_by_provider;
DROP INDEX offers_by_gpu;
CREATE INDEX offers_by_gpu ON offers (gpu_type_key, available, price_per_hour_micro, id);
${covering('offers_by_price', 'price_per_hour_micro', 'price_per_hour_micro')}
${covering('offers_by_price_per_gpu', 'price_per_gpu_micro', 'price_per_gpu_micro')}
${covering('offers_by_vram', 'vram_gb DESC', 'vram_gb')}
${covering('offers_by_reliability', 'reliability DESC', 'reliability')}
${covering('offers_by_fetched_at', 'fetched_at DESC', 'fetched_at')}
`
