import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ImageStore, ImageStoreError } from './image-store';

const repoRoot = path.resolve(__dirname, '../../..');

function localImage(dataDir: string, id: string, files: Record<string, string>, manifest: object): void {
  const dir = path.join(dataDir, 'images', id);
  mkdirSync(dir, { recursive: true });
  for (const [name, body] of Object.entries(files)) writeFileSync(path.join(dir, name), body);
  writeFileSync(path.join(dir, 'image.json'), JSON.stringify(manifest));
}

const linuxManifest = {
  id: 'debian-linux',
  name: 'Debian Linux (busybox)',
  version: '6.1',
  description: 'Debian cloud kernel',
  defaults: { memoryMiB: 128, vcpus: 1, cmdline: 'console=hvc0' },
  minMemoryMiB: 64,
  prompt: '# ',
  kernel: 'vmlinux',
  ramdisk: 'initramfs.cpio',
};

describe('ImageStore', () => {
  it('lists the committed xenolite image with its catalog defaults', () => {
    const store = new ImageStore(repoRoot, mkdtempSync(path.join(tmpdir(), 'images-')));
    const xenolite = store.get('xenolite');
    expect(xenolite).toMatchObject({ id: 'xenolite', defaults: { memoryMiB: 32, vcpus: 1 } });
    expect(store.load('xenolite').kernel.byteLength).toBeGreaterThan(1000);
  });

  it('offers a locally built image only once all its files exist', () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'images-'));
    localImage(dataDir, 'debian-linux', { vmlinux: 'ELF' }, linuxManifest);
    const store = new ImageStore(repoRoot, dataDir);
    expect(store.get('debian-linux')).toBeUndefined();
    writeFileSync(path.join(dataDir, 'images', 'debian-linux', 'initramfs.cpio'), 'cpio');
    expect(store.get('debian-linux')).toMatchObject({ name: 'Debian Linux (busybox)', minMemoryMiB: 64 });
    const loaded = store.load('debian-linux');
    expect(Buffer.from(loaded.ramdisk!).toString()).toBe('cpio');
  });

  it('ignores a manifest whose id does not match its directory', () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'images-'));
    localImage(dataDir, 'other', { vmlinux: 'x', 'initramfs.cpio': 'y' }, linuxManifest);
    expect(new ImageStore(repoRoot, dataDir).get('debian-linux')).toBeUndefined();
  });

  it('refuses an unknown image by name', () => {
    const store = new ImageStore(repoRoot, mkdtempSync(path.join(tmpdir(), 'images-')));
    expect(() => store.load('windows')).toThrow(new ImageStoreError('unknown image "windows"'));
  });
});
