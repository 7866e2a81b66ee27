// The UDF library (SPEC 3): named executors callable with `ctx.udf(name, input)` from code and through the API.
import type { FastifyInstance } from 'fastify';
import type { Db } from '../../store/index.js';
import type { InvokeService } from '../../executors/invoke.service.js';
import { BindingsService } from '../bindings/callable-bindings.service.js';
import { bindingRoutes } from '../bindings/callable-bindings.routes.js';

/** The UDF library service (point kind and trigger `udf`). */
export function createUdfsService(db: Db, invoker: InvokeService): BindingsService {
  return new BindingsService(db, invoker, { kind: 'udf', trigger: 'udf' });
}

/** The resolver SdkHostFactory uses for `ctx.udf(name)`: UDF name → executor name. Depth, cycles and the shared
 * deadline are enforced by InvokeService through the `parent` the SDK host passes along. */
export function udfResolver(service: BindingsService): (workspaceId: string, udfName: string) => Promise<string | undefined> {
  return (workspaceId, name) => service.executorOf(workspaceId, name);
}

/** Registers `/api/udfs`. */
export function udfsPlugin(service: BindingsService) {
  return async (app: FastifyInstance): Promise<void> => {
    await app.register(bindingRoutes, { prefix: '/api/udfs', service, tag: 'udfs' });
  };
}
