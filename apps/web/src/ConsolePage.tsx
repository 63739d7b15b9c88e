import { ConsoleTerminal } from './console/ConsoleTerminal';

/** #/domains/<id>/console: one domain's console on a page of its own. */
export function ConsolePage({ domainId }: { domainId: string }) {
  return (
    <main className="console-page">
      <p>
        <a href="#/">← Xenoserver</a>
      </p>
      <h1>Console · {domainId}</h1>
      <ConsoleTerminal domainId={domainId} />
    </main>
  );
}
