/** Browser APIs Lumino touches at import time that jsdom lacks (JupyterLab's own test set-up adds the same). */
if (typeof (globalThis as { DragEvent?: unknown }).DragEvent === 'undefined') {
  (globalThis as { DragEvent?: unknown }).DragEvent = class DragEvent extends MouseEvent {};
}
export {};
