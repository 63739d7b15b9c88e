import { RequestMethod, type INestApplication } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import { API_PREFIX } from '../src/app-setup';
import { IS_PUBLIC } from '../src/auth/public.decorator';

/** One route the app serves, as its controllers declare it. */
export interface AppRoute {
  method: string;
  /** Express-style pattern, e.g. `/api/domains/:id/actions`. */
  path: string;
  /** `METHOD /path`, the key the route tables of the tests use. */
  key: string;
  isPublic: boolean;
  /** The handler function, to read its decorators' metadata. */
  handler: object;
}

/** Paths outside the global prefix (configureApp's `exclude`). */
const UNPREFIXED = new Set(['metrics']);

/**
 * Every route of every controller in the running app, from Nest's own module graph — so a route added
 * anywhere shows up here without anyone listing it.
 */
export function appRoutes(app: INestApplication): AppRoute[] {
  const routes = new Map<string, AppRoute>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => unknown) | undefined;
      if (!controller) continue;
      const base = asArray(Reflect.getMetadata(PATH_METADATA, controller));
      const prototype = controller.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(prototype)) {
        const handler = prototype[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const requestMethod = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (requestMethod === undefined) continue;
        for (const controllerPath of base)
          for (const handlerPath of asArray(Reflect.getMetadata(PATH_METADATA, handler))) {
            const parts = [controllerPath, handlerPath].flatMap((p) => p.split('/')).filter((p) => p !== '');
            const prefix = UNPREFIXED.has(parts.join('/')) ? [] : [API_PREFIX];
            const path = `/${[...prefix, ...parts].join('/')}`;
            const method = RequestMethod[requestMethod];
            const isPublic =
              Reflect.getMetadata(IS_PUBLIC, handler) === true ||
              Reflect.getMetadata(IS_PUBLIC, controller) === true;
            routes.set(`${method} ${path}`, { method, path, key: `${method} ${path}`, isPublic, handler });
          }
      }
    }
  }
  return [...routes.values()].sort((a, b) => a.key.localeCompare(b.key));
}

/** What Express actually routes (to check that appRoutes misses nothing). */
export function expressRouteKeys(app: INestApplication): string[] {
  const express = app.getHttpAdapter().getInstance() as {
    router: { stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> };
  };
  return express.router.stack.flatMap((layer) =>
    layer.route
      ? Object.keys(layer.route.methods).map((method) => `${method.toUpperCase()} ${layer.route!.path}`)
      : [],
  );
}

function asArray(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  return [value === undefined ? '' : String(value)];
}
