/**
 * The part of Node-RED's editor API the dialogs use (the editor has no published types). Global,
 * like the editor's own `RED`.
 */
interface RedEditorNode {
  readonly id: string;
  readonly type: string;
  name?: string;
  credentials?: Record<string, unknown>;
  _def: { defaults?: Record<string, unknown> };
  _(key: string, substitutions?: Record<string, string | number>): string;
  [property: string]: unknown;
}

interface RedSidebarTab {
  id: string;
  label: string;
  name: string;
  iconClass: string;
  content: JQuery;
  enableOnEdit?: boolean;
  onchange?: () => void;
}

interface RedEditor {
  _(key: string, substitutions?: Record<string, string | number>): string;
  notify(message: JQuery | string, type?: string): void;
  settings: { user?: unknown; [key: string]: unknown };
  user: { hasPermission(permission: string): boolean };
  nodes: { node(id: string): RedEditorNode | null; eachNode(callback: (node: RedEditorNode) => boolean | void): void };
  sidebar: { addTab(tab: RedSidebarTab): void; containsTab?(id: string): boolean };
  comms: { subscribe(topic: string, callback: (topic: string, message: unknown) => void): void };
  events: { on(event: string, callback: () => void): void };
  view: { reveal(id: string): void };
}

declare const RED: RedEditor;

interface EditableListOptions {
  addButton?: string | boolean;
  addItem?: (container: JQuery, index: number, data: { name?: string; focus?: boolean }) => void;
  removable?: boolean;
  sortable?: boolean;
  height?: string | number;
}

interface JQuery {
  editableList(options: EditableListOptions): JQuery;
  editableList(method: 'addItem', data: { name?: string; focus?: boolean }): JQuery;
  editableList(method: 'items'): JQuery;
}
