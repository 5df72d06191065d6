export { ApiHandler, WATCH_HISTORY_MAX } from './handler.ts';
export type { HandlerResult, WatchEvent, WatchSpec } from './handler.ts';
export { startApiServer, kubeconfigFor, BODY_BYTES_MAX } from './http.ts';
export type { ApiServerOptions, RunningApiServer } from './http.ts';
export { StatusError, statusBody, toStatusError } from './status.ts';
export { applyPatch, jsonPatch, mergePatch, strategicMergePatch, PATCH_TYPES } from './patch.ts';
export { SERVER_VERSION, servedTypes } from './discovery.ts';
export type { ApiCluster, ApiRequest, ApiResponse, ClusterView, Obj, WriteRequest } from './types.ts';
