import { Effect } from 'effect'
import { describe, expect, it } from 'vitest'
import { MemoryStore, type RunStore } from '../src/index.js'
import { decideAndContinue, type ColdResumeScenario } from '../src/testing/ColdResumeScenario.js'
import { readStoredRunTree } from '../src/testing/storedRunTree.js'
import { teamScenarios } from '../src/testing/teamScenarios.js'

/*
 * The team scenarios of the cold-resume suite, played in this process: hot (one instance
 * throughout) and cold (a new instance, so a new engine holding nothing, for every step). The
 * store packages play them in real processes; here they are checked quickly, and the two ways
 * must end alike, down to what the run and its members' runs journaled (DESIGN invariant 4).
 */

/** What the run and each member's run journaled, event by event (ids and times differ from play to play). */
const journals = (store: RunStore, runId: string) =>
  Effect.runPromise(
    Effect.flatMap(readStoredRunTree(store, runId), ({ runs }) =>
      Effect.forEach(runs, ({ record }) =>
        Effect.map(store.readEvents(record.runId, 0), (events) => ({
          agentId: record.agentId,
          events: events.map(({ _tag }) => _tag),
        })),
      ),
    ),
  )

/** Plays the scenario to its end; `fresh` builds a new instance over the store before each continue. */
const play = async (scenario: ColdResumeScenario, fresh: boolean) => {
  const store = MemoryStore.make()
  const effects: Array<string> = []
  const effect = (key: string) => Promise.resolve(void effects.push(key))
  let instance = scenario.make(store, effect)
  let output = await instance.run(scenario.input)
  const pausedMembers: Array<Array<string | undefined>> = []
  // Bounded: a run that pauses more often than expected stops here and fails the count.
  while (output.isPaused && pausedMembers.length <= scenario.pauses) {
    pausedMembers.push(output.activeRequirements.map(({ member }) => member?.agentName))
    if (fresh) {
      await instance.dispose()
      instance = scenario.make(store, effect)
    }
    output = await decideAndContinue(scenario, instance, await instance.getRun(output.runId))
  }
  await instance.dispose()
  return {
    status: output.status,
    content: output.content,
    pausedMembers,
    effects: effects.toSorted(),
    journals: await journals(store, output.runId),
  }
}

/** Whose requirements each pause shows, by member name. */
const pausedMembers: ReadonlyArray<ReadonlyArray<ReadonlyArray<string>>> = [
  [['Deployer']],
  [['Publisher', 'Announcer']],
  [['Database admin']],
  [['Operator'], ['Operator']],
  [['Payer']],
]

describe.each(teamScenarios.map((scenario, index) => ({ scenario, paused: pausedMembers[index] })))(
  'team scenario: $scenario.name',
  ({ scenario, paused }) => {
    it('completes hot with the expected answer, pauses and effects, each effect once', async () => {
      expect(await play(scenario, false)).toMatchObject({
        status: 'completed',
        content: scenario.expectedContent,
        pausedMembers: paused,
        effects: scenario.expectedEffects.toSorted(),
      })
      expect(paused).toHaveLength(scenario.pauses)
    })

    it('resumed by a new instance at every pause, ends as it does hot', async () => {
      expect(await play(scenario, true)).toStrictEqual(await play(scenario, false))
    })
  },
)
