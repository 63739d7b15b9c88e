/**
 * A bootable image as tenants see it in the catalog (GET /api/images) and as agents load it. Images
 * come from guests/dist/catalog.json (committed builds, e.g. xenolite) and from images built on the
 * machine (e.g. `npm run build:image:linux`), which appear only once built.
 */
export interface ImageCatalogEntry {
  /** Stable id used in DomainSpec.imageId (e.g. `xenolite`, `debian-linux`). */
  id: string;
  /** Display name (e.g. "Debian Linux (busybox)"). */
  name: string;
  version: string;
  description: string;
  /** Defaults offered by the create-domain form. */
  defaults: { memoryMiB: number; vcpus: number; cmdline: string };
  /** Smallest memory the image boots in. */
  minMemoryMiB: number;
  /** The shell prompt the image prints when it is ready (tests and first-byte measurements wait for it). */
  prompt: string;
}
