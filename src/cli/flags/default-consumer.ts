import {userInfo} from 'node:os'

/** Who sessions belong to when --consumer-id is not given: the login name, if the API accepts it. */
export function defaultConsumer(): string {
  let name: string | undefined
  try {
    name = userInfo().username
  } catch {
    name = process.env.USER
  }
  return name && /^[\w.@:-]+$/.test(name) ? name : 'default'
}
