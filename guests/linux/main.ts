/** Entry of `npm run build:image:linux` (see build-image.ts). */
import path from 'node:path';
import { buildLinuxImage } from './build-image';

try {
  buildLinuxImage(path.resolve(__dirname, '..', '..'));
} catch (error) {
  console.error(`build:image:linux: ${(error as Error).message}`);
  process.exit(1);
}
