/**
 * What an offer's price includes (disk, and vCPUs and RAM where priced apart) and how the
 * provider prices disk, as one JSON column so an unchanged refresh still compares one value.
 * Offers stored before it were priced for another disk: they stay hidden until the next refresh
 * lists them again with their basis. Sessions get an index by offer: a rental of an offer one of
 * our own live sessions holds is refused at once.
 */
export const sql = `
ALTER TABLE offers ADD COLUMN price_basis TEXT;
UPDATE offers SET available = 0;
CREATE INDEX sessions_by_offer ON sessions (offer_id, status);
`
