import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { useEffect, useRef, useState } from 'react';
import { ConsoleConnection } from './console-connection';

export interface ConsoleTerminalProps {
  domainId: string;
  /** Watch through a share link (read-only, no session; no log download). */
  share?: string;
  /** Told the size of every output chunk shown, for the traffic graph. */
  onTraffic?: (bytes: number) => void;
}

/** A domain's live console: xterm.js fitted to its box, with links, search and log download. */
export function ConsoleTerminal({ domainId, share, onTraffic }: ConsoleTerminalProps) {
  const traffic = useRef(onTraffic);
  traffic.current = onTraffic;
  const box = useRef<HTMLDivElement>(null);
  const search = useRef<SearchAddon | null>(null);
  const [status, setStatus] = useState('connecting…');
  const [query, setQuery] = useState('');

  useEffect(() => {
    const terminal = new Terminal({ convertEol: false, scrollback: 10_000, fontSize: 14 });
    const fit = new FitAddon();
    const searchAddon = new SearchAddon();
    terminal.loadAddon(fit);
    terminal.loadAddon(searchAddon);
    terminal.loadAddon(new WebLinksAddon());
    search.current = searchAddon;
    terminal.open(box.current!);
    fit.fit();
    const connection = new ConsoleConnection(
      domainId,
      {
        onOutput: (bytes) => terminal.write(bytes),
        onSkipped: (count) => terminal.write(`\r\n\x1b[33m[… ${count} bytes skipped …]\x1b[0m\r\n`),
        onStatus: (text) => setStatus(text),
      },
      // xterm calls back once it has parsed the bytes: the acknowledgement that paces the API.
      (bytes, done) => {
        traffic.current?.(bytes.length);
        terminal.write(bytes, done);
      },
      share,
    );
    const input = terminal.onData((text) => connection.type(text));
    const resized = terminal.onResize(({ cols, rows }) => connection.resize(cols, rows));
    const observer = new ResizeObserver(() => fit.fit());
    observer.observe(box.current!);
    return () => {
      observer.disconnect();
      input.dispose();
      resized.dispose();
      connection.close();
      terminal.dispose();
    };
  }, [domainId, share]);

  return (
    <section className="console" aria-label="Console">
      <div className="console-bar">
        <span className="console-status" data-testid="console-status">
          {status}
        </span>
        <input
          type="search"
          placeholder="Search output"
          value={query}
          onChange={(event) => setQuery(event.target.value)}
          onKeyDown={(event) => event.key === 'Enter' && search.current?.findNext(query)}
        />
        {!share && (
          <a href={`/api/domains/${encodeURIComponent(domainId)}/console/log.txt`} download>
            Download log
          </a>
        )}
      </div>
      <div className="console-screen" ref={box} />
    </section>
  );
}
