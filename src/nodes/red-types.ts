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
  /** Send outside an input handler (a sequence that expired). */
  send(msg: Array<NodeMessage | null> | NodeMessage): void;
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

/** The slice of an Express request the admin endpoints read (`user` is set by Node-RED under adminAuth). */
export interface AdminRequest {
  readonly params: Record<string, string>;
  readonly query: Record<string, unknown>;
  readonly body: unknown;
  readonly user?: { readonly username?: string; readonly permissions?: unknown };
}

export interface AdminResponse {
  status(code: number): AdminResponse;
  json(body: unknown): void;
  type(contentType: string): AdminResponse;
  set(field: string, value: string): AdminResponse;
  send(body: string): void;
}

export type AdminNext = (error?: unknown) => void;
export type AdminHandler = (req: AdminRequest, res: AdminResponse, next: AdminNext) => void;

export interface AdminApp {
  get(path: string, ...handlers: AdminHandler[]): void;
  post(path: string, ...handlers: AdminHandler[]): void;
}

export interface NodeRedApi {
  nodes: {
    createNode(node: RuntimeNode, config: NodeConfig): void;
    registerType(type: string, constructor: (this: RuntimeNode, config: NodeConfig) => void, options?: { credentials?: Record<string, CredentialDefinition> }): void;
    getNode(id: string): RuntimeNode | null;
    getCredentials?(id: string): Record<string, string | undefined> | undefined;
    /** Every node of the deployed configuration, disabled ones included (as configured, not instantiated). */
    eachNode?(callback: (config: NodeConfig) => void): void;
    addCredentials?(id: string, credentials: Record<string, string | undefined>): Promise<void> | void;
  };
  /** Node-RED's admin Express app (absent in some embeddings, e.g. httpAdminRoot: false). */
  httpAdmin?: AdminApp;
  auth?: { needsPermission(permission: string): AdminHandler };
  /** Node-RED's log (absent in some test doubles). */
  log?: { warn(text: string): void; info(text: string): void };
  settings: {
    readonly userDir?: string;
    readonly [key: string]: unknown;
  };
  util: {
    generateId(): string;
    /** Node-RED's property-expression parser (`a.b`, `a["b-c"]`, `a[0]`); throws on anything else. */
    normalisePropertyExpression(expression: string): Array<string | number>;
  };
  _(key: string, substitutions?: Record<string, string | number>): string;
  /** Messages to every editor connected (`RED.comms.subscribe` in the editor); `retain` keeps the last one for editors that connect later. */
  comms?: { publish(topic: string, data: unknown, retain?: boolean): void };
  /** The runtime's events (`flows:started` after each deploy and at start-up). */
  events?: { on(event: string, listener: () => void): void; removeListener(event: string, listener: () => void): void };
}
