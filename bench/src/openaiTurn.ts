/**
 * What `@countersign/openai` itself costs per model turn: the same streamed turns from the same local wire
 * server (`@countersign/openai-wire`), read by a plain loop over the SDK's stream and by `OpenAIModel`'s
 * stream, for both APIs. The difference of the means is the adapter's own cost. The variants alternate
 * round by round, so that drift in the machine's load falls on both alike.
 */
import { performance } from 'node:perf_hooks'
import { Model } from '@countersign/core'
import { OpenAIModel } from '@countersign/openai'
import { startOpenAIWire, turn, type OpenAIWire } from '@countersign/openai-wire'
import { Effect } from 'effect'
import OpenAI from 'openai'
import { readSettings, settingsUsage } from './settings.js'
import { latency, type Latency } from './stats.js'

const settings = {
  turns: { flag: 'turns', env: 'BENCH_TURNS', fallback: '200' },
  rounds: { flag: 'rounds', env: 'BENCH_ROUNDS', fallback: '10' },
}

type Api = 'responses' | 'chat'

/** One turn as a model answers a tool-using agent: text in deltas, two calls in fragments, usage. */
const scriptedTurn = turn({
  text: Array.from({ length: 20 }, (_, n) => `word${n} `),
  toolCalls: [
    { id: 'call_a', name: 'lookup', arguments: ['{"na', 'me":', '"Ada"}'] },
    { id: 'call_b', name: 'lookup', arguments: ['{"na', 'me":', '"Bob"}'] },
  ],
  usage: { inputTokens: 120, outputTokens: 40, cachedInputTokens: 60 },
})

const parameters = { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } as const
const request: Model.ModelRequest = {
  instructions: 'You look people up.',
  messages: [{ _tag: 'User', content: 'Find Ada and Bob' }],
  tools: [{ name: 'lookup', description: 'Look someone up', parameters }],
}

/**
 * The plain loop: the SDK's stream read as little as a caller must to get the text and the calls, yielding
 * them as core chunks (text as it comes, the calls at the end).
 */
async function* plainChunks(
  client: OpenAI,
  api: Api,
  signal?: AbortSignal,
): AsyncGenerator<Model.ModelChunk> {
  const calls: Array<{ id: string; name: string; args: string }> = []
  if (api === 'chat') {
    const stream = await client.chat.completions.create(
      {
        model: 'gpt-test',
        stream: true,
        stream_options: { include_usage: true },
        messages: [
          { role: 'system', content: request.instructions! },
          { role: 'user', content: 'Find Ada and Bob' },
        ],
        tools: [
          { type: 'function', function: { name: 'lookup', description: 'Look someone up', parameters } },
        ],
      },
      { signal },
    )
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta
      if (delta?.content) yield { _tag: 'TextDelta', text: delta.content }
      for (const call of delta?.tool_calls ?? []) {
        const entry = (calls[call.index] ??= { id: call.id ?? '', name: call.function?.name ?? '', args: '' })
        entry.args += call.function?.arguments ?? ''
      }
    }
  } else {
    const stream = await client.responses.create(
      {
        model: 'gpt-test',
        stream: true,
        instructions: request.instructions!,
        input: [{ role: 'user', content: 'Find Ada and Bob' }],
        tools: [
          { type: 'function', name: 'lookup', description: 'Look someone up', parameters, strict: false },
        ],
      },
      { signal },
    )
    for await (const event of stream) {
      if (event.type === 'response.output_text.delta') yield { _tag: 'TextDelta', text: event.delta }
      else if (event.type === 'response.output_item.done' && event.item.type === 'function_call')
        calls.push({ id: event.item.call_id, name: event.item.name, args: event.item.arguments })
    }
  }
  for (const call of calls) {
    yield { _tag: 'ToolCall', call: { id: call.id, name: call.name, args: JSON.parse(call.args) as never } }
  }
}

const plainTurn = async (client: OpenAI, api: Api) => {
  let count = 0
  for await (const _ of plainChunks(client, api)) count++
  if (count < 3) throw new Error('the plain loop read an incomplete turn')
}

/** A turn read straight from the model's async iterable, as the plain loop reads the SDK's stream. */
const iteratedTurn = async (model: Model.Model) => {
  let count = 0
  for await (const _ of model.iterate!(request, new AbortController().signal)) count++
  if (count < 3) throw new Error('the adapter read an incomplete turn')
}

/** A turn read as the engine reads it (`Model.pull`), in an Effect of its own. */
const adapterTurn = async (model: Model.Model) => {
  const count = await Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const pull = yield* Model.pull(model, request)
        let chunks = 0
        for (let next = yield* pull; next !== undefined; next = yield* pull) chunks += next.length
        return chunks
      }),
    ),
  )
  if (count < 3) throw new Error('the adapter read an incomplete turn')
}

/** Per-turn durations of `turns` turns, after scripting them. */
const timeTurns = async (wire: OpenAIWire, turns: number, one: () => Promise<void>) => {
  await wire.reset()
  await wire.script(...Array.from({ length: turns }, () => scriptedTurn))
  const durations: Array<number> = []
  for (let n = 0; n < turns; n++) {
    const start = performance.now()
    await one()
    durations.push(performance.now() - start)
  }
  return durations
}

const main = async () => {
  const read = readSettings(settings, process.argv.slice(2), process.env)
  if (read === 'help') {
    console.log(
      ['pnpm --filter @countersign/bench bench:openai [options]', ...settingsUsage(settings)].join('\n'),
    )
    return
  }
  const turns = Number(read.turns)
  const rounds = Number(read.rounds)
  const wire = await startOpenAIWire()
  try {
    const client = new OpenAI({ apiKey: 'sk-bench', baseURL: wire.baseURL, maxRetries: 0 })
    for (const api of ['chat', 'responses'] as const) {
      const model = OpenAIModel.make({ model: 'gpt-test', api, client })
      // The least any core Model pays: the plain loop behind `Model.fromAsyncIterable`, read as the engine reads it.
      const floor = Model.fromAsyncIterable('plain', (_request, signal) => plainChunks(client, api, signal))
      const variants = {
        plain: () => plainTurn(client, api),
        own: () => iteratedTurn(model),
        floor: () => adapterTurn(floor),
        adapter: () => adapterTurn(model),
      }
      // Warm-up: JIT, connections.
      for (const one of Object.values(variants)) await timeTurns(wire, turns, one)
      const names = ['plain', 'own', 'floor', 'adapter'] as const
      const measured: Record<(typeof names)[number], Array<number>> = {
        plain: [],
        own: [],
        floor: [],
        adapter: [],
      }
      for (let round = 0; round < rounds; round++) {
        const order = round % 2 === 0 ? names : [...names].reverse()
        for (const name of order) measured[name].push(...(await timeTurns(wire, turns, variants[name])))
      }
      const [plain, own, floor_, adapter] = names.map((name) => latency(measured[name])) as [
        Latency,
        Latency,
        Latency,
        Latency,
      ]
      const over = (measuredMs: number, base: number) =>
        `+${(measuredMs - base).toFixed(3)} ms (${(((measuredMs - base) / base) * 100).toFixed(1)}%)`
      const ms = (of: Latency) => `${of.meanMs.toFixed(3)} (${of.p50Ms.toFixed(3)})`
      console.log(
        [
          `${api}, mean ms/turn (p50), ${turns * rounds} turns each:`,
          `  plain loop over the SDK's stream      ${ms(plain)}`,
          `  OpenAIModel read as an async iterable ${ms(own)}   adapter's own cost ${over(own.meanMs, plain.meanMs)}`,
          `  plain loop read as the engine reads   ${ms(floor_)}   engine's read ${over(floor_.meanMs, plain.meanMs)}`,
          `  OpenAIModel read as the engine reads  ${ms(adapter)}   over the plain loop ${over(adapter.meanMs, plain.meanMs)}, over the engine's read of it ${over(adapter.meanMs, floor_.meanMs)}`,
        ].join('\n'),
      )
    }
  } finally {
    await wire.close()
  }
}

await main()
