// An event source fed by code, not by an informer (controller-runtime's source.Channel): one part
// says "look at these keys again" and a controller's watch turns that into work-queue keys. The
// manager keeps one per name, so the controller that emits and the one that listens share it.
import type { InformerHandler } from '../kube/informer.js';
import { type KubeObject, splitKey } from '../kube/objects.js';

/** A watch's EventSource (controller.ts), structurally: `on` and `onRelist`. */
export class KeySignal {
  private readonly handlers: Array<InformerHandler<KubeObject>> = [];

  on(handler: InformerHandler<KubeObject>): void {
    this.handlers.push(handler);
  }

  /** Nothing to relist: a signal has no list that a watch gap could hide. */
  onRelist(): void {}

  /** Each key ("namespace/name" or "name") reaches every watch as an update of a bare object. */
  emit(keys: Iterable<string>): void {
    for (const key of keys) {
      const object: KubeObject = { metadata: splitKey(key) };
      for (const handler of this.handlers) handler('update', object);
    }
  }
}
