/**
 * npm run build:image:linux — builds the "Debian Linux (busybox)" image from Debian's own packages:
 * the cloud kernel's vmlinux (unpacked from its bzImage) and a busybox-static initramfs, written to
 * <DATA_DIR>/images/debian-linux with the image.json libs/images lists. Nothing here is committed.
 *
 * Env: DATA_DIR (default <repo>/.data), XENO_DEBIAN_CACHE (default <DATA_DIR>/cache/debian).
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { extractDeb, fetchDeb, resolveVersionedDependency } from './debian-packages';
import { buildInitramfs, SHELL_PROMPT } from './initramfs';
import { decompressLz4Legacy, findLz4LegacyFrame } from './lz4-legacy';

export const LINUX_IMAGE_ID = 'debian-linux';
export const RECOMMENDED_CMDLINE =
  'console=hvc0 earlyprintk=xen nr_cpus=1 cryptomgr.notests=1 pci=noearly mitigations=off';

/** The ELF vmlinux inside a bzImage: the first LZ4 legacy frame that decompresses to an ELF. */
export function vmlinuxFromBzImage(bzImage: Uint8Array): Uint8Array {
  for (let at = findLz4LegacyFrame(bzImage); at >= 0; at = findLz4LegacyFrame(bzImage, at + 1)) {
    try {
      const out = decompressLz4Legacy(bzImage, at);
      if (out[0] === 0x7f && out[1] === 0x45 && out[2] === 0x4c && out[3] === 0x46) return out;
    } catch {
      // A magic-looking byte run that is not a frame: keep looking.
    }
  }
  throw new Error('no LZ4-compressed ELF vmlinux in this bzImage (is the kernel XZ-compressed?)');
}

/** Builds the image under `repoRoot`; returns the image directory. */
export function buildLinuxImage(repoRoot: string): string {
  const dataDir = process.env.DATA_DIR ?? path.join(repoRoot, '.data');
  const cacheDir = process.env.XENO_DEBIAN_CACHE ?? path.join(dataDir, 'cache', 'debian');

  const kernelPkg = resolveVersionedDependency('linux-image-cloud-amd64', 'linux-image-');
  const kernelDir = extractDeb(fetchDeb(kernelPkg, cacheDir), path.join(cacheDir, 'unpacked', kernelPkg));
  const busyboxDir = extractDeb(
    fetchDeb('busybox-static', cacheDir),
    path.join(cacheDir, 'unpacked', 'busybox-static'),
  );

  const vmlinuz = readdirSync(path.join(kernelDir, 'boot')).find((f) => f.startsWith('vmlinuz-'));
  if (!vmlinuz) throw new Error(`${kernelPkg} has no boot/vmlinuz-*`);
  const version = vmlinuz.slice('vmlinuz-'.length);
  const vmlinux = vmlinuxFromBzImage(new Uint8Array(readFileSync(path.join(kernelDir, 'boot', vmlinuz))));
  const initramfs = buildInitramfs(new Uint8Array(readFileSync(path.join(busyboxDir, 'bin', 'busybox'))));

  const imageDir = path.join(dataDir, 'images', LINUX_IMAGE_ID);
  mkdirSync(imageDir, { recursive: true });
  writeFileSync(path.join(imageDir, 'vmlinux'), vmlinux);
  writeFileSync(path.join(imageDir, 'initramfs.cpio'), initramfs);
  const manifest = {
    id: LINUX_IMAGE_ID,
    name: 'Debian Linux (busybox)',
    version,
    description: `Debian's unmodified cloud kernel ${version} as a PV domU, busybox shell on hvc0`,
    defaults: { memoryMiB: 128, vcpus: 1, cmdline: RECOMMENDED_CMDLINE },
    minMemoryMiB: 80,
    prompt: SHELL_PROMPT,
    kernel: 'vmlinux',
    ramdisk: 'initramfs.cpio',
  };
  writeFileSync(path.join(imageDir, 'image.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  console.log(
    `${imageDir}: vmlinux ${vmlinux.length} bytes, initramfs ${initramfs.length} bytes (${version})`,
  );
  return imageDir;
}
