import type { RunView } from '@countersign/client'
import { type ExitCode, exitCodeOfStatus } from '../ExitCode.js'
import { runLines } from './describe.js'
import type { Output } from './Output.js'

/** Prints where a run stands (JSON: the run as the server answered it); exits by its status. */
export const printRun = (output: Output, run: RunView): ExitCode => {
  if (output.json) output.value(run)
  else output.lines(runLines(output, run))
  return exitCodeOfStatus(run.status)
}
