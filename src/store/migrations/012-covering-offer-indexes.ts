/**
 * Inventory pages served from an index alone at market scale (100k offers). Each sort key's
 * index now also carries every column a filter reads, so a filtered page (`gpu_type=RTX 4090
 * &max_price=0.5`) walks that index in order, tests each entry's filters there, and reads the
 * table only for the rows it returns; a page deep into the market skips its offset on the
 * index too (see OffersRepo.query). `fetched_at` stays out of all but its own index: a refresh
 * moves it on every offer, and only the indexes holding it are rewritten then.
 * The GPU index gains the `id` tie-break, so one model's offers come off it cheapest first in
 * exactly the inventory's order and a page of them stops early.
 * `offers_by_provider (provider, fetched_at)` goes: the offers a refresh did not see are found
 * on `offers_by_fetched_at`, and it cost a second index write per offer per refresh.
 */
const FILTERS = ['provider', 'gpu_type_key', 'vram_gb', 'gpu_count', 'price_per_hour_micro', 'country_code', 'reliability', 'cuda_version', 'location_key', 'tenant_id']

function covering(name: string, key: string, column: string): string {
  return `CREATE INDEX ${name} ON offers (available, ${key}, id, ${FILTERS.filter((c) => c !== column).join(', ')});`
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
