/**
 * @countersign/cli — the `countersign` command, against a Countersign server. `main` runs it
 * with the arguments given and answers its exit code; `ExitCode` names the codes.
 */
export { ExitCode } from './ExitCode.js'
export { main } from './main.js'
