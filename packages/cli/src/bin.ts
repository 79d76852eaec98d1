#!/usr/bin/env node
import { main } from './main.js'

// A reader that stops early (`countersign watch … | head`) closes the pipe: nothing more to say.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error
  process.exit()
})

process.exitCode = await main(process.argv.slice(2))
