import {access, constants, readFile} from 'node:fs/promises'

/** A text file's contents, or null when there is no such file; any other failure is thrown. */
export async function readIfExists(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw err
  }
}

/** Whether this process can read the file (a private key it is about to use or copy). */
export async function isReadable(file: string): Promise<boolean> {
  return access(file, constants.R_OK).then(
    () => true,
    () => false,
  )
}
