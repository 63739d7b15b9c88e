import type { SessionResponse } from '@xeno/contracts';
import { AuditPage } from './admin/AuditPage';
import { FleetPage } from './admin/FleetPage';
import { UsagePage } from './admin/UsagePage';
import { AuthPage } from './auth/AuthPage';
import { SharedConsolePage } from './console/SharedConsolePage';
import { useSession } from './auth/use-session';
import { ConsolePage } from './ConsolePage';
import { DomainPage } from './domains/DomainPage';
import { DomainsPage } from './domains/DomainsPage';
import { NavBar } from './layout/NavBar';
import { AcceptInvitePage } from './members/AcceptInvitePage';
import { MembersPage } from './members/MembersPage';
import { TokensPage } from './tokens/TokensPage';
import { useHashRoute } from './use-hash-route';

export function App() {
  const route = useHashRoute();
  const { state, signedIn, logOut } = useSession();
  const consoleRoute = /^\/domains\/([^/]+)\/console$/.exec(route);
  // The console page authenticates on its own socket (cookie or share token), so it needs no session here.
  if (consoleRoute) return <ConsolePage domainId={decodeURIComponent(consoleRoute[1]!)} />;
  // A share link is for people without an account: no session is asked for.
  const shareRoute = /^\/share\/([^/]+)\/([^/]+)$/.exec(route);
  if (shareRoute)
    return (
      <SharedConsolePage
        domainId={decodeURIComponent(shareRoute[1]!)}
        token={decodeURIComponent(shareRoute[2]!)}
      />
    );
  if (state.kind === 'loading') return <main className="meta">Loading…</main>;
  // An invite link joins a tenant whether or not someone is signed in on this browser.
  const inviteRoute = /^\/invite\/([^/]+)$/.exec(route);
  if (inviteRoute)
    return <AcceptInvitePage token={decodeURIComponent(inviteRoute[1]!)} onSignedIn={signedIn} />;
  if (state.kind === 'signed-out') return <AuthPage error={state.error} onSignedIn={signedIn} />;
  return (
    <>
      <NavBar session={state.session} onLogOut={() => void logOut()} />
      <SignedInRoute route={route} session={state.session} />
    </>
  );
}

function SignedInRoute({ route, session }: { route: string; session: SessionResponse }) {
  const domainRoute = /^\/domains\/([^/]+)$/.exec(route);
  // Keyed by id: moving to another domain starts from a clean page, not the previous one's data and errors.
  const domainId = domainRoute && decodeURIComponent(domainRoute[1]!);
  if (domainId) return <DomainPage key={domainId} domainId={domainId} />;
  if (route === '/tokens') return <TokensPage />;
  if (route === '/members') return <MembersPage session={session} />;
  const admin = session.user.role === 'platform-admin';
  if (route === '/audit') return <AuditPage admin={admin} />;
  // Admin pages for others fall through to the domains list; the API refuses their routes anyway.
  if (admin && route === '/admin') return <FleetPage />;
  if (admin && route === '/admin/usage') return <UsagePage />;
  return <DomainsPage />;
}
