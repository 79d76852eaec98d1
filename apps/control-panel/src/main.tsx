import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { createClient } from '@countersign/client'

console.log(createClient)
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <p>hi</p>
  </StrictMode>,
)
