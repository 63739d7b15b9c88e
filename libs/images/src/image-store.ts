import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ImageCatalogEntry } from '@xeno/contracts';

/**
 * Where bootable images live on a machine and how to read them (Node only: the API lists them, agents
 * load their bytes). Two sources:
 * - `guests/dist/catalog.json`: images built by guests/build.sh and committed (xenolite);
 * - `<dataDir>/images/<id>/image.json`: images built on this machine (e.g. `npm run build:image:linux`
 *   writes `debian-linux`), listed only when their files exist.
 */
export interface StoredImage extends ImageCatalogEntry {
  /** Absolute path of the PV ELF kernel. */
  kernelPath: string;
  /** Absolute path of the initramfs, when the image has one. */
  ramdiskPath?: string;
}

/** The bytes an agent boots. */
export interface LoadedImage {
  image: StoredImage;
  kernel: Uint8Array;
  ramdisk?: Uint8Array;
}

/** Fields of a locally built image's `image.json` (the kernel and ramdisk paths are relative to it). */
interface LocalImageManifest extends ImageCatalogEntry {
  kernel: string;
  ramdisk?: string;
}

interface CommittedCatalog {
  images: Array<{
    name: string;
    file: string;
    version: string;
    memoryMiB: number;
    minMemoryMiB?: number;
    vcpus: number;
    cmdline: string;
    prompt: string;
    description: string;
    displayName?: string;
  }>;
}

export class ImageStoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageStoreError';
  }
}

export class ImageStore {
  constructor(
    /** Repository root (holds guests/dist). */
    private readonly projectRoot: string,
    /** DATA_DIR (default `<root>/.data`), where locally built images are kept. */
    private readonly dataDir: string = path.join(projectRoot, '.data'),
  ) {}

  /** Every image that can be booted on this machine now, committed ones first. */
  list(): StoredImage[] {
    return [...this.committed(), ...this.locallyBuilt()];
  }

  get(id: string): StoredImage | undefined {
    return this.list().find((image) => image.id === id);
  }

  /** Reads an image's files; throws ImageStoreError naming what is missing. */
  load(id: string): LoadedImage {
    const image = this.get(id);
    if (!image) throw new ImageStoreError(`unknown image "${id}"`);
    const read = (file: string): Uint8Array => {
      try {
        return new Uint8Array(readFileSync(file));
      } catch (error) {
        throw new ImageStoreError(`image "${id}": cannot read ${file}: ${(error as Error).message}`);
      }
    };
    return {
      image,
      kernel: read(image.kernelPath),
      ramdisk: image.ramdiskPath ? read(image.ramdiskPath) : undefined,
    };
  }

  private committed(): StoredImage[] {
    const dir = path.join(this.projectRoot, 'guests', 'dist');
    const catalog = readJson<CommittedCatalog>(path.join(dir, 'catalog.json'));
    return (catalog?.images ?? [])
      .filter((entry) => existsSync(path.join(dir, entry.file)))
      .map((entry) => ({
        id: entry.name,
        name: entry.displayName ?? entry.name,
        version: entry.version,
        description: entry.description,
        defaults: { memoryMiB: entry.memoryMiB, vcpus: entry.vcpus, cmdline: entry.cmdline },
        minMemoryMiB: entry.minMemoryMiB ?? entry.memoryMiB,
        prompt: entry.prompt,
        kernelPath: path.join(dir, entry.file),
      }));
  }

  private locallyBuilt(): StoredImage[] {
    const root = path.join(this.dataDir, 'images');
    if (!existsSync(root)) return [];
    const images: StoredImage[] = [];
    for (const id of listDirs(root)) {
      const dir = path.join(root, id);
      const manifest = readJson<LocalImageManifest>(path.join(dir, 'image.json'));
      if (!manifest || manifest.id !== id || typeof manifest.kernel !== 'string') continue;
      const kernelPath = path.join(dir, manifest.kernel);
      const ramdiskPath = manifest.ramdisk ? path.join(dir, manifest.ramdisk) : undefined;
      if (!existsSync(kernelPath) || (ramdiskPath && !existsSync(ramdiskPath))) continue;
      const { kernel: _kernel, ramdisk: _ramdisk, ...entry } = manifest;
      images.push({ ...entry, kernelPath, ramdiskPath });
    }
    return images;
  }
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

function listDirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
  } catch {
    return [];
  }
}
