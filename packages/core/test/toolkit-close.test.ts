import { Schema } from 'effect'
import { describe, expect, it } from 'vitest'
import { Agent, Countersign, MemoryStore, ScriptedModel, Team, Tool, Toolkit } from '../src/index.js'

/** A toolkit that counts how often it was closed (what an MCP toolkit's close stops is its server). */
const closing = (name: string) => {
  const closed: Array<string> = []
  const tool = Tool.make({
    name: `${name}_lookup`,
    description: 'Look up',
    parameters: Schema.Struct({}),
    execute: () => 'found',
  })
  const toolkit: Toolkit.Toolkit = {
    ...Toolkit.make({ name, tools: [tool] }),
    close: async () => void closed.push(name),
  }
  return { toolkit, closed }
}

const agent = (id: string, ...toolkits: Array<Toolkit.Toolkit>) =>
  new Agent({ id, model: ScriptedModel.make(['Hello.']), tools: toolkits, store: MemoryStore.make() })

describe('toolkits close with what owns them', () => {
  it('a Countersign closes every toolkit its definitions use, members included, each once', async () => {
    const shared = closing('shared')
    const memberOnly = closing('member')
    const store = MemoryStore.make()
    const lead = new Agent({ id: 'lead', model: ScriptedModel.make(['Hi.']), tools: [shared.toolkit], store })
    const member = new Agent({
      id: 'member',
      model: ScriptedModel.make(['Hi.']),
      tools: [memberOnly.toolkit, shared.toolkit],
      store,
    })
    const team = new Team({ id: 'desk', model: ScriptedModel.make(['Hi.']), members: [member], store })
    const app = new Countersign({ agents: [lead], teams: [team], store, sweepEvery: false })
    expect([shared.closed, memberOnly.closed]).toEqual([[], []])
    await app.dispose()
    expect([shared.closed, memberOnly.closed]).toEqual([['shared'], ['member']])
  })

  it('an agent disposed closes its toolkits; one failing to close stops none of the others', async () => {
    const good = closing('good')
    const failing: Toolkit.Toolkit = {
      ...closing('bad').toolkit,
      close: () => Promise.reject(new Error('gone')),
    }
    const solo = agent('solo', failing, good.toolkit)
    await solo.dispose()
    expect(good.closed).toEqual(['good'])
  })
})
