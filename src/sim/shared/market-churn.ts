/** How a simulated market changes on its own, as a real one does while nobody rents. */
export interface MarketChurn {
  /** How often part of the market changes; 0 turns churn off. */
  intervalMs: number
  /** Share of the listings that vanish (and are replaced by new ones) each interval. */
  fraction: number
}
