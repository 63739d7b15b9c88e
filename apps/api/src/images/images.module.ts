import { Controller, Get, Module } from '@nestjs/common';
import type { ListImagesResponse } from '@xeno/contracts';
import { ImageStore } from '@xeno/images';
import path from 'node:path';
import { findProjectRoot } from '../config/project-root';

/** The catalog is read per request: images built locally while the API runs show up without a restart. */
@Controller('images')
export class ImagesController {
  constructor(private readonly store: ImageStore) {}

  @Get()
  list(): ListImagesResponse {
    // Only the catalog fields: kernel/ramdisk paths are host details the browser has no use for.
    const images = this.store.list().map(({ kernelPath: _kernel, ramdiskPath: _ramdisk, ...entry }) => entry);
    return { images };
  }
}

@Module({
  controllers: [ImagesController],
  providers: [
    {
      provide: ImageStore,
      useFactory: () => {
        const root = findProjectRoot().root;
        return new ImageStore(root, process.env.DATA_DIR ? path.resolve(process.env.DATA_DIR) : undefined);
      },
    },
  ],
  exports: [ImageStore],
})
export class ImagesModule {}
