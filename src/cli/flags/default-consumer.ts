import {userInfo} from 'node:os'

import {isConsumerId} from '../../core/limits.js'

/** Who sessions belong to when --consumer-id is not given: the login name, if the API accepts it. */
export function defaultConsumer(): string {
  let name: string | undefined
  try {
    name = userInfo().username
  } catch {
    name = process.env.USER
  }
  return name && isConsumerId(name) ? name : 'default'
}
