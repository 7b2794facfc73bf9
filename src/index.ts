/**
 * Programmatic entry point (the Node-RED nodes are registered from dist/nodes/audience-export.js by
 * package.json's `node-red` section). The engine, the platform definitions and clients work without
 * Node-RED too.
 */
export { ExportError, type ErrorCode } from './core/errors';
export { type BatchReport, type ExportRequest, type ExportSummary, runExport } from './core/export-run';
export { FileSyncStateStore } from './core/sync-state';
export type { PlatformAdapter, SyncMode } from './core/types';
export { nodeTypesOf, type PlatformDefinition } from './core/platform';
export { PLATFORMS } from './platforms';
export { SnapchatAdapter, SnapchatConnection, type SnapchatConnectionSettings } from './platforms/snapchat';
export { type Sandbox, type SandboxOptions, startSandbox } from './sandbox';
