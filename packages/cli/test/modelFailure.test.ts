import { describe, expect, it } from 'vitest'
import { cli, severalRuns, useClients, useServer } from './cli.js'

/*
 * A model failure through the command line: the fixture server's `flaky` model answers 503 on the
 * turn after its confirmed tool until told `model-up`. The run pauses on the failure, the command
 * shows it, and `approve` takes the run up again once the model is back.
 */

const server = useServer()
const clientOf = useClients(server)

describe('countersign and a model that fails', severalRuns, () => {
  it('shows the run paused on the model failure (exit 3); approve asks the model again and the run completes', async () => {
    const paused = await cli(['run', 'flaky', 'Move', '3'], { server: server(), as: 'alice' })
    expect(paused.code).toBe(3)
    const runId = /^Run (\S+) /.exec(paused.stdout)![1]!
    const confirmation = (await clientOf('alice').runs.get(runId)).activeRequirementIds[0]!

    const failed = await cli(['approve', runId, confirmation], { server: server(), as: 'alice' })
    expect(failed.code).toBe(3)
    const stopped = await clientOf('alice').runs.get(runId)
    const failure = stopped.activeRequirementIds[0]!
    expect(stopped.requirements.find(({ id }) => id === failure)).toMatchObject({ kind: 'model_failure' })
    expect(failed.lines[1]).toMatch(new RegExp(`^\\s+model_failure\\s+${failure}\\s+flaky-model`))

    const up = server().nextLine((line) => line === 'model up')
    server().send('model-up')
    await up
    const done = await cli(['approve', runId, failure], { server: server(), as: 'alice' })
    expect(done.code).toBe(0)
    expect(done.lines).toStrictEqual([`Run ${runId} (flaky) completed`, 'Done: moved 3'])
  })
})
