/** Disassembly for mismatch reports (iced-x86, an independent decoder). */
import { Decoder, DecoderOptions, Formatter, FormatterSyntax } from 'iced-x86';
import { CODE_BASE } from './case-builder';

let formatter: Formatter | undefined;

export function disassemble(code: Uint8Array, bitness = 64): string[] {
  formatter ??= new Formatter(FormatterSyntax.Intel);
  const dec = new Decoder(bitness, code, DecoderOptions.None);
  dec.ip = CODE_BASE;
  const lines: string[] = [];
  try {
    let pos = 0;
    while (dec.canDecode) {
      const instr = dec.decode();
      const len = instr.length;
      const bytes = Buffer.from(code.subarray(pos, pos + len))
        .toString('hex')
        .replace(/(..)/g, '$1 ')
        .trim();
      lines.push(`${(CODE_BASE + BigInt(pos)).toString(16)}  ${bytes.padEnd(30)} ${formatter.format(instr)}`);
      instr.free();
      pos += len;
    }
  } finally {
    dec.free();
  }
  return lines;
}
