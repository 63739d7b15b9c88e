import { BuildError } from '../errors';
import { ELF_XEN_FEATURE_NAMES } from '../public/features';

export interface FeatureSets {
  supported: number;
  required: number;
}

/**
 * elf_xen_parse_features(): `|`-separated names, `!name` = required. Unknown
 * optional names are ignored; an unknown required name refuses the image.
 */
export function parseFeatures(text: string, into: FeatureSets): void {
  for (const raw of text.split('|')) {
    const item = raw.trim();
    if (item === '') continue;
    const required = item.startsWith('!');
    const name = required ? item.slice(1) : item;
    const bit = ELF_XEN_FEATURE_NAMES.get(name);
    if (bit === undefined) {
      if (required)
        throw new BuildError('UNKNOWN_REQUIRED_FEATURE', `kernel requires unknown feature '${name}'`);
      continue;
    }
    into.supported |= 1 << bit;
    if (required) into.required |= 1 << bit;
  }
}
