/**
 * This process's environment as a user's shell would have it: without what the test runner
 * sets for itself (NODE_ENV=test, VITEST*). Binaries spawned by a test must run as they do for a
 * user: under NODE_ENV=test React loads its slow development build, and a library may switch
 * to its development behaviour.
 */
export function userEnv(): NodeJS.ProcessEnv {
  const env = {...process.env}
  delete env['NODE_ENV']
  for (const name of Object.keys(env)) if (name.startsWith('VITEST')) delete env[name]
  return env
}
