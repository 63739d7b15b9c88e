import type { ImageCatalogEntry, QuotaView } from '@xeno/contracts';

/** The API's domain name rule (CreateDomainRequest.name). */
const DOMAIN_NAME = /^[a-z][a-z0-9-]{0,62}$/;

export interface CreateDomainDraft {
  name: string;
  image: ImageCatalogEntry | undefined;
  memoryMiB: number;
  vcpus: number;
}

/** Why the form cannot be sent as is, or undefined. The API checks again; this only saves a round trip. */
export function createDomainProblem(
  draft: CreateDomainDraft,
  quota: QuotaView | undefined,
): string | undefined {
  if (!DOMAIN_NAME.test(draft.name))
    return 'Name: 1–63 lowercase letters, digits or dashes, starting with a letter.';
  if (!draft.image) return 'Choose an image.';
  if (!Number.isInteger(draft.memoryMiB) || draft.memoryMiB < draft.image.minMemoryMiB)
    return `Memory must be a whole number of MiB, at least ${draft.image.minMemoryMiB} for ${draft.image.name}.`;
  if (!Number.isInteger(draft.vcpus) || draft.vcpus < 1) return 'vCPUs must be a whole number, at least 1.';
  if (!quota) return undefined;
  const { used, limits } = quota;
  if (used.domains + 1 > limits.maxDomains) return `Quota: at most ${limits.maxDomains} domains.`;
  if (used.memoryMiB + draft.memoryMiB > limits.maxMemoryMiB)
    return `Quota: only ${limits.maxMemoryMiB - used.memoryMiB} MiB of memory left.`;
  if (used.vcpus + draft.vcpus > limits.maxVcpus)
    return `Quota: only ${limits.maxVcpus - used.vcpus} vCPUs left.`;
  return undefined;
}
