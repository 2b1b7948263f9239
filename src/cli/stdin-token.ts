import {flagError} from './errors.js'

/**
 * The token of `auth login --with-token`, read whole from stdin (`echo $TOKEN | gpu-shopper auth
 * login --with-token`). A terminal on stdin means nothing was piped: refused rather than
 * waiting for typing that would echo the secret to the screen.
 */
export async function readTokenFromStdin(stdin: NodeJS.ReadStream = process.stdin): Promise<string> {
  if (stdin.isTTY) throw flagError('with-token', 'reads the access token from stdin, and stdin is a terminal', 'Pipe it in: `printenv TOKEN | gpu-shopper auth login --with-token --server URL`.')
  const chunks: Buffer[] = []
  for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer))
  const token = Buffer.concat(chunks).toString('utf8').trim()
  if (!token) throw flagError('with-token', 'got nothing on stdin', 'Pipe the access token in: `printenv TOKEN | gpu-shopper auth login --with-token --server URL`.')
  if (/\s/.test(token)) throw flagError('with-token', 'got more than one word on stdin; an access token has no spaces', 'Pipe in the token alone, without "Bearer ".')
  return token
}
