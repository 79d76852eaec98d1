import { useEffect, useRef, useState } from 'react'
import { ConnectionBanner } from './components/ConnectionBanner.js'
import { ErrorMessage, Loading } from './components/Status.js'
import { useConnection } from './connection.js'
import { ApprovalsPage } from './pages/ApprovalsPage.js'
import { AuditPage } from './pages/AuditPage.js'
import { GrantsPage } from './pages/GrantsPage.js'
import { HistoryPage } from './pages/HistoryPage.js'
import { RunPage } from './pages/RunPage.js'
import { RunsPage } from './pages/RunsPage.js'
import { SignInPage } from './pages/SignInPage.js'
import { useApprovalNotifications } from './notifications.js'
import { usePendingQueue } from './pendingQueue.js'
import { hrefOf, type Route, useRoute } from './routes.js'
import { type Session, signIn, signOut, storedToken, TokenRefused } from './session.js'

type Start =
  | { readonly state: 'signing-in' }
  | { readonly state: 'signed-out'; readonly failure?: unknown }
  | { readonly state: 'unreachable'; readonly error: unknown }
  | { readonly state: 'signed-in'; readonly session: Session }

/** Signs in again with the tab's token, if it has one. */
const useSession = () => {
  const [start, setStart] = useState<Start>(() =>
    storedToken() === null ? { state: 'signed-out' } : { state: 'signing-in' },
  )
  const [attempt, setAttempt] = useState(0)
  useEffect(() => {
    const token = storedToken()
    if (token === null) return
    let current = true
    signIn(token).then(
      (session) => (current ? setStart({ state: 'signed-in', session }) : void signOut(session)),
      (error: unknown) =>
        current &&
        setStart(
          error instanceof TokenRefused
            ? { state: 'signed-out', failure: error }
            : { state: 'unreachable', error },
        ),
    )
    return () => {
      current = false
    }
  }, [attempt])
  return {
    start,
    signedIn: (session: Session) => setStart({ state: 'signed-in', session }),
    signedOut: () => setStart({ state: 'signed-out' }),
    retry: () => {
      setStart({ state: 'signing-in' })
      setAttempt((count) => count + 1)
    },
  }
}

export const App = () => {
  const { start, signedIn, signedOut, retry } = useSession()
  if (start.state === 'signing-in')
    return (
      <main className="sign-in">
        <Loading what="your session" />
      </main>
    )
  if (start.state === 'unreachable')
    return (
      <main className="sign-in">
        <ErrorMessage error={start.error} retry={retry} prefix="Could not sign in again." />
      </main>
    )
  if (start.state === 'signed-out')
    return (
      <SignInPage
        onSignedIn={signedIn}
        {...(start.failure === undefined ? {} : { failure: start.failure })}
      />
    )
  return <Shell session={start.session} onSignOut={() => void signOut(start.session).then(signedOut)} />
}

const pagesOf = (session: Session): ReadonlyArray<{ readonly route: Route; readonly label: string }> => [
  ...(session.role === 'approver'
    ? [
        { route: { page: 'approvals' } as const, label: 'Approvals' },
        { route: { page: 'history' } as const, label: 'History' },
        { route: { page: 'audit' } as const, label: 'Audit' },
        { route: { page: 'grants' } as const, label: 'Grants' },
      ]
    : []),
  { route: { page: 'runs' }, label: 'Runs' },
]

/** The pages of the approval queue and its records: approvers' (and admins') only. */
const approverPages = new Set<Route['page']>(['approvals', 'history', 'audit', 'grants'])

/** The signed-in layout: navigation, who is signed in, the connection's state, and the page. */
const Shell = ({ session, onSignOut }: { readonly session: Session; readonly onSignOut: () => void }) => {
  const route = useRoute()
  const connection = useConnection(session.connection)
  const pages = pagesOf(session)
  const queue = usePendingQueue(session)
  const waiting = queue.pending.length
  useApprovalNotifications(queue.pending, queue.loaded)
  // Plain users land on their runs; the approval pages are not theirs to open.
  const shown: Route =
    route.page === 'home' || (approverPages.has(route.page) && session.role !== 'approver')
      ? pages[0]!.route
      : route
  const current = shown.page === 'run' ? 'runs' : shown.page
  const title =
    shown.page === 'run' ? 'Run' : (pages.find(({ route: page }) => page.page === current)?.label ?? '')
  const firstPage = useRef(true)
  useEffect(() => {
    // The count in the tab's title: what waits shows even from another tab.
    document.title = `${waiting === 0 ? '' : `(${waiting}) `}${title} · Countersign`
  }, [title, waiting])
  useEffect(() => {
    // After a move to another page, start reading and tabbing from its top, as a page load would.
    if (!firstPage.current) document.getElementById('main')?.focus()
    firstPage.current = false
  }, [title, shown.page === 'run' ? shown.runId : ''])
  return (
    <>
      {/* Not a `#main` link: the hash is the page's address here. */}
      <button type="button" className="skip" onClick={() => document.getElementById('main')?.focus()}>
        Skip to the page
      </button>
      <header className="top">
        <span className="brand">Countersign</span>
        <nav aria-label="Pages">
          <ul>
            {pages.map(({ route: target, label }) => (
              <li key={label}>
                <a href={hrefOf(target)} aria-current={target.page === current ? 'page' : undefined}>
                  {label}
                  {target.page === 'approvals' && waiting > 0 ? (
                    <span className="count-badge" aria-label={`, ${waiting} pending`}>
                      {waiting}
                    </span>
                  ) : null}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span className="who">
          Signed in as <strong data-role={session.role}>{session.principalId}</strong>
        </span>
        <button type="button" className="secondary" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <ConnectionBanner status={connection.status} />
      <main id="main" tabIndex={-1}>
        {shown.page === 'approvals' ? (
          <ApprovalsPage session={session} queue={queue} />
        ) : shown.page === 'history' ? (
          <HistoryPage session={session} />
        ) : shown.page === 'audit' ? (
          <AuditPage session={session} />
        ) : shown.page === 'grants' ? (
          <GrantsPage session={session} />
        ) : shown.page === 'run' ? (
          <RunPage
            key={shown.runId}
            session={session}
            runId={shown.runId}
            {...(shown.requirementId === undefined ? {} : { requirementId: shown.requirementId })}
          />
        ) : (
          <RunsPage session={session} search={shown.page === 'runs' ? (shown.search ?? '') : ''} />
        )}
      </main>
    </>
  )
}
