import { PLATFORMS } from '../platforms';
import { registerActivityApi } from './activity';
import { registerAdminApi } from './admin-api';
import { recordStartsOfIdleConnections, registerConnectionNode } from './connection-node';
import { registerExportNode } from './export-node';
import type { NodeRedApi } from './red-types';
import { assertStoreSetting } from './stores';

/**
 * The package's one node set: for every platform of the list, its connection and its export node
 * type (names unchanged: `<platform>-connection`, `<platform>-audience`), and the admin routes once.
 */
export = function register(RED: NodeRedApi): void {
  // A malformed audienceExportStore stops the node set from loading, with the reason in the log.
  assertStoreSetting(RED);
  registerAdminApi(RED);
  registerActivityApi(RED);
  for (const platform of PLATFORMS) {
    registerConnectionNode(RED, platform);
    registerExportNode(RED, platform);
  }
  recordStartsOfIdleConnections(RED, PLATFORMS);
};
