import { ConsoleTerminal } from './ConsoleTerminal';

/** #/share/<domainId>/<token>: a console watched through a share link, without an account. */
export function SharedConsolePage({ domainId, token }: { domainId: string; token: string }) {
  return (
    <main className="console-page">
      <h1>Shared console (read-only)</h1>
      <p className="meta">What you type here is not sent. The link stops working when it expires.</p>
      <ConsoleTerminal domainId={domainId} share={token} />
    </main>
  );
}
