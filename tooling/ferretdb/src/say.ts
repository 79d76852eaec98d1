/** What the harness is doing, on standard output: a build or a server start can take a while. */
export const say = (message: string): void => void process.stdout.write(`==> ${message}\n`)
