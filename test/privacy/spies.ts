import type { NodeInitializer } from 'node-red';

/** A message as the canaries' probe nodes receive it. */
export interface Msg {
  payload?: unknown;
  tag?: string;
  error?: { message: string; code?: string };
  [key: string]: unknown;
}

/** A test-helper node as the canaries drive it. */
export interface TestNode {
  on(event: 'input', listener: (msg: Msg) => void): void;
  receive(msg: Record<string, unknown>): void;
  status: (s: unknown) => void;
}

/**
 * The package's node initialisers, wrapped so the arguments of every RED._() call (status texts,
 * error sentences) land in `calls` for the leak scan too.
 */
export function spyOnTranslations(nodes: readonly NodeInitializer[], calls: unknown[]): NodeInitializer[] {
  let wrapped = false;
  return nodes.map((init) => (RED) => {
    if (!wrapped) {
      wrapped = true;
      const translate = RED._.bind(RED);
      (RED as { _: unknown })._ = (key: string, args?: unknown) => {
        calls.push({ key, args });
        return translate(key, args as never);
      };
    }
    return init(RED);
  });
}
