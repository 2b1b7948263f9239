/** Offers below this reliability are never picked by provisioning by spec (unless asked). */
export const DEFAULT_RELIABILITY_FLOOR = 0.9

/** How many offers one spec-provisioned session may try before it fails as stale inventory. */
export const MAX_OFFER_ATTEMPTS = 3
