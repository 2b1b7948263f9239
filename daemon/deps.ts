import type {Registry} from 'prom-client'

import type {ServiceContext} from '../src/services/context.js'
import type {InventoryService} from '../src/services/inventory-service.js'
import type {Reconciler} from '../src/services/reconciler.js'
import type {TemplateService} from '../src/services/template-service.js'
import type {RateLimitConfig} from '../src/config/rate-limit.js'
import type {DaemonAuth} from './auth.js'
import type {HttpLimits} from './http-limits.js'
import type {DaemonMetrics} from './metrics.js'

/** What the daemon's HTTP app is built from; routes get these (plus metrics) as AppDeps. */
export interface AppOptions {
  ctx: ServiceContext
  version: string
  auth: DaemonAuth
  /** Per-user request rate; null = unlimited (the solo daemon). */
  rateLimit?: RateLimitConfig | null
  /** HTTPS certificate and key (PEM); plain HTTP without. */
  tls?: {cert: string | Buffer; key: string | Buffer}
  loopbackOnly: boolean
  /**
   * A TLS proxy in front (`serve --trust-proxy`): request.protocol and request.host follow its
   * X-Forwarded-Proto and X-Forwarded-Host. Off everywhere else, where anyone could send them.
   */
  trustProxy?: boolean
  /** Wakes the job runner when a route queued work. */
  kickJobs: () => void
  /** False until start-up reconciliation finished: /health answers 503 meanwhile. */
  isReady: () => boolean
  /** Shared with the provider instrumentation so one /metrics shows both. */
  metricsRegistry: Registry
  inventory: InventoryService
  /** The providers' templates, kept briefly (shared by the template routes, the inventory filter and creates). */
  templates: TemplateService
  reconciler: Reconciler
  /** Overrides of DEFAULT_HTTP_LIMITS (tests use short ones). */
  httpLimits?: Partial<HttpLimits>
}

export interface AppDeps extends AppOptions {
  metrics: DaemonMetrics
  startedAt: number
}
