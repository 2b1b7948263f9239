import {spawn, type ChildProcess} from 'node:child_process'
import {get, request} from 'node:https'
import {join} from 'node:path'

import {REPO_ROOT} from './cli.js'
import {pollUntil} from './poll.js'
import type {TestIdp} from './test-idp.js'
import {userEnv} from './user-env.js'

export interface TeamServer {
  url: string
  /** The daemon process `serve` started (the one to kill -9 to crash the server). */
  daemonPid: number
  child: ChildProcess
  output: () => string
  stop(): Promise<void>
}

export interface TeamServerOptions {
  /** The built-in simulated marketplaces (default); without, the marketplaces `env` names. */
  simulate?: boolean
  /** Added to the server's environment (a database URL, marketplace URLs, timings). */
  env?: NodeJS.ProcessEnv
}

/**
 * `gpu-shopper serve` (the real binary) against the test IdP, on a free loopback port with the
 * simulated marketplaces, its data in `home`; ready once /health says ok.
 */
export async function startTeamServer(
  idp: TestIdp,
  home: string,
  extraArgs: string[] = [],
  tls: {ca: string} | null = null,
  options: TeamServerOptions = {},
): Promise<TeamServer> {
  const simulate = options.simulate === false ? [] : ['--simulate']
  const args = ['serve', '--listen', '127.0.0.1:0', ...simulate, '--oidc-issuer', idp.issuer, '--oidc-audience', idp.audience, '--data-dir', home, ...extraArgs]
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'run.js'), ...args], {env: {...userEnv(), ...options.env}, stdio: ['ignore', 'pipe', 'pipe']})
  let output = ''
  child.stdout!.on('data', (d) => (output += d))
  child.stderr!.on('data', (d) => (output += d))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const listening = await pollUntil(() => {
    if (child.exitCode !== null) throw new Error(`serve exited with ${child.exitCode}: ${output}`)
    return output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as {msg?: string; url?: string; pid?: number})
      .find((line) => line.msg === 'daemon listening')
  }, 'the team server to listen', 30_000)
  const url = listening.url!
  await pollUntil(async () => ((await getStatus(`${url}/health`, tls?.ca)) === 200 ? true : undefined), 'the team server to be ready', 30_000)
  return {
    url,
    daemonPid: listening.pid!,
    child,
    output: () => output,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM')
      await exited
    },
  }
}

/** The status of a GET, over HTTPS trusting `ca` when given. */
export function getStatus(url: string, ca?: string): Promise<number> {
  if (!url.startsWith('https:')) return fetch(url).then((res) => res.status)
  return new Promise((resolve, reject) => {
    get(url, {ca}, (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    }).on('error', reject)
  })
}

/** A request over HTTPS trusting `ca` (fetch cannot be given one); a JSON reply parsed, any other as text. */
export function httpsRequest(url: string, ca: string, init: {method?: string; headers?: Record<string, string>; body?: unknown} = {}): Promise<{status: number; body: any}> {
  const payload = init.body === undefined ? undefined : JSON.stringify(init.body)
  return new Promise((resolve, reject) => {
    const req = request(url, {method: init.method ?? 'GET', ca, headers: {...init.headers, ...(payload === undefined ? {} : {'content-type': 'application/json'})}}, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (text += chunk))
      res.on('end', () => {
        let body: unknown = text
        try {
          body = JSON.parse(text)
        } catch {
          // HTML and CSV replies stay text
        }
        resolve({status: res.statusCode ?? 0, body})
      })
    })
    req.on('error', reject)
    req.end(payload)
  })
}
