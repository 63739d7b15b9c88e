/** Response of POST /api/domains/:id/console/share (apps/api/src/console/console-share.controller.ts). */
export interface ConsoleShareLink {
  token: string;
  domainId: string;
  expiresAt: string;
}

/** The page a share link opens: `#/share/<domainId>/<token>` on this web app. */
export function shareUrl(link: ConsoleShareLink, origin: string): string {
  return `${origin}/#/share/${encodeURIComponent(link.domainId)}/${encodeURIComponent(link.token)}`;
}
