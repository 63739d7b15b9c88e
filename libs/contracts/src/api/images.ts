import type { ImageCatalogEntry } from '../image-catalog';

/** Response of GET /api/images: the ready-to-boot images, each with its create-form defaults. */
export interface ListImagesResponse {
  images: ImageCatalogEntry[];
}
