/**
 * Design: the API server's one door to a cluster. The server itself only speaks HTTP and the
 * Kubernetes REST conventions; whoever starts it (the CLI's `pvsim serve --api`) supplies the
 * cluster: a view of the objects as they are now, the writes (each one a recorded input on the
 * event log, so `pvsim log verify` re-executes it), and kubectl's selectors. Requests and
 * responses are plain data so the handler is tested without sockets.
 */

/** Any Kubernetes object as JSON. */
export type Obj = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; resourceVersion?: string; uid?: string; [k: string]: unknown };
  [k: string]: unknown;
};

export interface ClusterView {
  /** Simulated time now (RFC 3339), for the AGE columns. */
  now: string;
  /** Objects of a kind, in list order (by key). */
  list(kind: string): Obj[];
}

export type WriteRequest =
  | { verb: 'create'; kind: string; object: Obj; dryRun: boolean }
  /**
   * `next` turns the live object (undefined when there is none) into the one to store; run under
   * the writers' lock, with the simulated time of the write. `upsert`: when there is no live
   * object, the one `next` returns is created (a server-side apply that creates).
   */
  | { verb: 'update'; kind: string; key: string; name: string; next: (live: Obj | undefined, now: string) => Obj; subresource?: 'status'; dryRun: boolean; upsert?: boolean }
  | { verb: 'delete'; kind: string; key: string; name: string; dryRun: boolean; preconditions?: { uid?: string; resourceVersion?: string } };

export interface ApiCluster {
  view(): ClusterView;
  /** Performs one write and returns the object as stored right after it (undefined when gone; `created` when an upsert created it). Throws the API's errors. */
  write(request: WriteRequest): { object: Obj | undefined; created?: boolean };
  /** kubectl's label and field selectors as a predicate; throws on a selector it cannot parse or a field it does not support. */
  selector(kind: string, labelSelector: string | undefined, fieldSelector: string | undefined): (o: Obj) => boolean;
  /** Runs a command in a pod's container (a recorded input); throws a Status-mappable error when the pod or container is not there. */
  exec(namespace: string, pod: string, container: string | undefined, argv: string[]): { stdout: string; stderr: string; exitCode: number };
}

export interface ApiRequest {
  method: string;
  /** Path without the query. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | undefined>;
  body: string;
}

export interface ApiResponse {
  status: number;
  contentType: string;
  body: string;
}
