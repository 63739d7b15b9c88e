/**
 * Messages on consoleInputChannel. Keyboard input is published as a bare base64 string (as the channel's
 * contract says); a resize is a JSON object, which base64 can never start with, so both share the channel.
 */
export interface ConsoleResizeMessage {
  resize: { cols: number; rows: number };
}

export function consoleResizeMessage(cols: number, rows: number): string {
  return JSON.stringify({ resize: { cols, rows } } satisfies ConsoleResizeMessage);
}

/** Console socket events between the browser and the API's /console namespace. */
export interface ConsoleAttachRequest {
  domainId: string;
  /** Sequence number of the next byte the viewer wants (0 or absent: the whole scrollback). */
  fromSeq?: number;
}

export type ConsoleAttachReply = { ok: true; readOnly: boolean } | { ok: false; error: string };

/** `output` event: bytes at a sequence number, or how many bytes this viewer missed. */
export type ConsoleOutputMessage = { seq: number; data: ArrayBuffer | Uint8Array } | { skipped: number };
