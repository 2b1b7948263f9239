import {Text} from 'ink'

import type {LaunchDetail} from '../model/session-rows.js'

/** The lines `SessionLaunch` takes, so the pane around it keeps its height. */
export function sessionLaunchHeight(detail: LaunchDetail | null): number {
  return detail ? (detail.api ? 2 : 1) : 0
}

/**
 * What runs on the selected session and where its API answers, in at most two cut lines: the
 * pane is redrawn on every poll, so it writes no more than the terminal shows.
 */
export function SessionLaunch({detail}: {detail: LaunchDetail | null}) {
  if (!detail) return null
  return (
    <>
      <Text wrap="truncate">{detail.runs}</Text>
      {detail.api ? (
        <Text wrap="truncate">
          {'API '}
          <Text color={detail.api.published ? 'green' : 'yellow'}>{detail.api.endpoint}</Text>
          <Text dimColor>{` · on this machine: ${detail.api.forward}`}</Text>
        </Text>
      ) : null}
    </>
  )
}
