import { Logger, type DynamicModule } from '@nestjs/common';
import { ServeStaticModule } from '@nestjs/serve-static';
import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * Serves the built web app (dist/web, made by `npm run build`) at /, leaving /api to the controllers.
 * Returns no module when it has not been built, so the API alone still works (e.g. in tests).
 */
export function webAppModules(webDistDir: string | undefined): DynamicModule[] {
  if (!webDistDir) return [];
  if (!existsSync(path.join(webDistDir, 'index.html'))) {
    new Logger('WebApp').warn(`no web app in ${webDistDir} (run \`npm run build\`); serving the API only`);
    return [];
  }
  return [ServeStaticModule.forRoot({ rootPath: webDistDir, exclude: ['/api/{*rest}', '/metrics'] })];
}
