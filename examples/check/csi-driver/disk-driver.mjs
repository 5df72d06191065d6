// A small block-storage CSI driver as a pvsim driver module (docs/reference/csi-driver-module.md):
// each RPC a method taking and returning the CSI spec's proto3 JSON, errors thrown as
// { code, message } with a CSI status code, the backend kept in `state` (saveState/loadState).
//   pnpm pvsim check examples/lecture/dynamic-disk/scenarios/demo.yaml \
//     --csi-driver disk.csi.pvsim.dev=examples/check/csi-driver/disk-driver.mjs --faults csi-timeout --max-delays 0   # pass

const fail = (code, message) => { throw { code, message }; };
const SINGLE_NODE = new Set(['SINGLE_NODE_WRITER', 'SINGLE_NODE_READER_ONLY', 'SINGLE_NODE_SINGLE_WRITER', 'SINGLE_NODE_MULTI_WRITER']);

export default function createDriver({ name }) {
  // The backend: volumes by id, each with what the controller and the nodes did with it.
  let state = { nextId: 1, volumes: {} };
  const volume = (id) => state.volumes[id] ?? fail('NOT_FOUND', `volume ${id} does not exist`);
  const toCsi = (id, v) => ({ volumeId: id, capacityBytes: v.capacityBytes, volumeContext: {}, accessibleTopology: [] });

  return {
    saveState: () => state,
    loadState: (s) => { state = s; },

    GetPluginInfo: () => ({ name, vendorVersion: '0.1.0' }),
    GetPluginCapabilities: () => ({ capabilities: [{ service: { type: 'CONTROLLER_SERVICE' } }] }),
    Probe: () => ({ ready: { value: true } }),
    ControllerGetCapabilities: () => ({
      capabilities: ['CREATE_DELETE_VOLUME', 'PUBLISH_UNPUBLISH_VOLUME', 'LIST_VOLUMES', 'LIST_VOLUMES_PUBLISHED_NODES'].map((type) => ({ rpc: { type } })),
    }),
    NodeGetCapabilities: () => ({ capabilities: [{ rpc: { type: 'STAGE_UNSTAGE_VOLUME' } }] }),
    NodeGetInfo: (_req, { node }) => ({ nodeId: node, maxVolumesPerNode: '0' }),

    // Idempotent by name (CSI spec: CreateVolume): a retry returns the volume the first call made.
    CreateVolume(req) {
      if (!req.name) fail('INVALID_ARGUMENT', 'name is required');
      const existing = Object.entries(state.volumes).find(([, v]) => v.name === req.name);
      if (existing) return { volume: toCsi(...existing) };
      return { volume: this.makeVolume(req) };
    },
    makeVolume(req) {
      const id = `vol-${state.nextId++}`;
      state.volumes[id] = { name: req.name, capacityBytes: req.capacityRange?.requiredBytes ?? '1073741824', publishedNodes: [], staged: {}, mounts: {} };
      return toCsi(id, state.volumes[id]);
    },
    DeleteVolume(req) {
      const v = state.volumes[req.volumeId];
      if (!v) return {};
      if (v.publishedNodes.length > 0) fail('FAILED_PRECONDITION', `volume ${req.volumeId} is published to ${v.publishedNodes.join(', ')}`);
      delete state.volumes[req.volumeId];
      return {};
    },
    ControllerPublishVolume(req) {
      const v = volume(req.volumeId);
      const others = v.publishedNodes.filter((n) => n !== req.nodeId);
      if (SINGLE_NODE.has(req.volumeCapability.accessMode.mode) && others.length > 0) fail('FAILED_PRECONDITION', `volume ${req.volumeId} is published to ${others.join(', ')}`);
      if (!v.publishedNodes.includes(req.nodeId)) v.publishedNodes.push(req.nodeId);
      return { publishContext: { devicePath: `/dev/disk/${req.volumeId}` } };
    },
    ControllerUnpublishVolume(req) {
      const v = state.volumes[req.volumeId];
      if (v) v.publishedNodes = v.publishedNodes.filter((n) => n !== req.nodeId);
      return {};
    },
    ListVolumes() {
      return { entries: Object.entries(state.volumes).map(([id, v]) => ({ volume: toCsi(id, v), status: { publishedNodeIds: [...v.publishedNodes] } })), nextToken: '' };
    },
    NodeStageVolume(req, { node }) { volume(req.volumeId).staged[node] = req.stagingTargetPath; return {}; },
    NodeUnstageVolume(req, { node }) { const v = state.volumes[req.volumeId]; if (v) delete v.staged[node]; return {}; },
    NodePublishVolume(req, { node }) {
      const v = volume(req.volumeId);
      if (!v.staged[node]) fail('FAILED_PRECONDITION', `volume ${req.volumeId} is not staged on ${node}`);
      v.mounts[req.targetPath] = node;
      return {};
    },
    NodeUnpublishVolume(req) { const v = state.volumes[req.volumeId]; if (v) delete v.mounts[req.targetPath]; return {}; },
    ValidateVolumeCapabilities(req) { volume(req.volumeId); return { confirmed: { volumeCapabilities: req.volumeCapabilities } }; },
  };
}
