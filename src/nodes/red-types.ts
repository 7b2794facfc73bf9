/**
 * The part of Node-RED's runtime API these nodes use, typed strictly (the published @types/node-red
 * describe Node-RED 1.3 and need casts for custom node properties).
 */

export interface NodeMessage {
  _msgid?: string;
  payload?: unknown;
  topic?: unknown;
  parts?: unknown;
  segment?: unknown;
  dryRun?: unknown;
  [key: string]: unknown;
}

export interface NodeStatus {
  fill?: 'red' | 'green' | 'yellow' | 'blue' | 'grey';
  shape?: 'ring' | 'dot';
  text?: string;
}

export type SendFunction = (msg: Array<NodeMessage | null> | NodeMessage) => void;
export type DoneFunction = (err?: Error) => void;

export interface RuntimeNode {
  readonly id: string;
  readonly type: string;
  readonly name?: string;
  credentials?: Record<string, string | undefined>;
  on(event: 'input', listener: (msg: NodeMessage, send: SendFunction, done: DoneFunction) => void): void;
  on(event: 'close', listener: (removed: boolean, done: () => void) => void): void;
  status(status: NodeStatus): void;
  log(text: string): void;
  warn(text: string): void;
  error(text: string | Error, msg?: NodeMessage): void;
}

export interface NodeConfig {
  readonly id: string;
  readonly type: string;
  readonly name?: string;
  readonly [key: string]: unknown;
}

export interface CredentialDefinition {
  readonly type: 'text' | 'password';
}

export interface NodeRedApi {
  nodes: {
    createNode(node: RuntimeNode, config: NodeConfig): void;
    registerType(type: string, constructor: (this: RuntimeNode, config: NodeConfig) => void, options?: { credentials?: Record<string, CredentialDefinition> }): void;
    getNode(id: string): RuntimeNode | null;
  };
  settings: {
    readonly userDir?: string;
    readonly [key: string]: unknown;
  };
  util: {
    generateId(): string;
  };
  _(key: string, substitutions?: Record<string, string | number>): string;
}
