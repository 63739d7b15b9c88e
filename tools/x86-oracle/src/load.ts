/** Loads a committed vector group: regenerates its inputs, checks the input hash, decodes the outputs. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OracleCase } from './case-builder';
import { generateGroup, type GroupDef } from './group';
import { ORACLE_DIR, type BaseWindows } from './native-runner';
import { decodeVectorFile, inputHash, type Expected } from './vector-file';

export const VECTOR_DIR = join(ORACLE_DIR, 'vectors');

export function vectorPath(name: string): string {
  return join(VECTOR_DIR, `${name}.bin.gz`);
}

export interface LoadedGroup {
  def: GroupDef;
  base: BaseWindows;
  cases: OracleCase[];
  expected: Expected[];
}

export function loadGroup(def: GroupDef): LoadedGroup {
  const path = vectorPath(def.name);
  if (!existsSync(path)) throw new Error(`missing ${path}: run npm run oracle:generate`);
  const { base, cases } = generateGroup(def);
  const file = decodeVectorFile(readFileSync(path), cases);
  if (file.seed !== def.seed || file.inputHash !== inputHash(base, cases)) {
    throw new Error(
      `${path} is stale (the generator or the group definition changed): run npm run oracle:generate`,
    );
  }
  return { def, base, cases, expected: file.expected };
}
