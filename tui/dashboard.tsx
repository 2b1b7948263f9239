import {App} from './app.js'
import {ErrorBoundary} from './components/error-boundary.js'
import {ServicesProvider, type TuiServices} from './services.js'

/** The whole dashboard over its services, as `gpu-shopper tui` mounts it (and the tests do). */
export function Dashboard({services}: {services: TuiServices}) {
  return (
    <ServicesProvider value={services}>
      <ErrorBoundary>
        <App />
      </ErrorBoundary>
    </ServicesProvider>
  )
}
