import type { SessionResponse } from '@xeno/contracts';

/** Top bar: where to go, who is signed in, and log out. Wraps on narrow screens. */
export function NavBar({ session, onLogOut }: { session: SessionResponse; onLogOut: () => void }) {
  return (
    <header className="nav-bar">
      <a className="brand" href="#/domains">
        Xenoserver
      </a>
      <nav>
        <a href="#/domains">Domains</a>
        <a href="#/tokens">API tokens</a>
        <a href="#/members">Members</a>
        <a href="#/audit">Audit log</a>
        {session.user.role === 'platform-admin' && (
          <>
            <a href="#/admin">Fleet</a>
            <a href="#/admin/usage">Usage</a>
          </>
        )}
      </nav>
      <span className="who">
        {session.user.email} · {session.tenant.name}
      </span>
      <button type="button" onClick={onLogOut}>
        Log out
      </button>
    </header>
  );
}
