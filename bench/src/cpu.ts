/**
 * CPU time, in milliseconds: what a measure costs whatever else the machine is doing, where its
 * timings move with the load. The process running the engine is the server's, or this one.
 */
export interface CpuSpent {
  /** In the process that runs the engine. */
  readonly engineMs: number
  /** In the benchmark's process: the clients, when the engine is in a server. */
  readonly benchMs: number
}

/** The CPU time of `process.cpuUsage()`, user and system, in milliseconds. */
export const cpuMs = ({ user, system }: NodeJS.CpuUsage) => (user + system) / 1_000

/** The CPU time spent so far, by process. */
export type CpuClock = () => Promise<CpuSpent>

/** What `work` answers, and the CPU time it took by `clock`. */
export const withCpu = async <A>(
  clock: CpuClock,
  work: () => Promise<A>,
): Promise<{ readonly result: A; readonly cpu: CpuSpent }> => {
  const before = await clock()
  const result = await work()
  const after = await clock()
  return {
    result,
    cpu: { engineMs: after.engineMs - before.engineMs, benchMs: after.benchMs - before.benchMs },
  }
}
