import { IRenderMime } from '@jupyterlab/rendermime-interfaces';

import { IBlock } from './tokens';

/**
 * How long the pointer rests on a reference before its preview shows, and how long
 * the preview stays once the pointer left (to let it move into the preview).
 */
const SHOW_DELAY_MS = 400;
const HIDE_DELAY_MS = 250;

/**
 * Renders a block into a host element (the same rendering as an embed).
 */
export type PreviewRenderer = (
  host: HTMLElement,
  block: IBlock,
  renderers: IRenderMime.IRenderer[]
) => Promise<void>;

/**
 * The hover preview of references: one popup at a time, under the reference.
 */
export class HoverPreview {
  constructor(private readonly _render: PreviewRenderer) {}

  /**
   * Show a preview of `block` when the pointer rests on `anchor`.
   */
  attach(anchor: HTMLElement, block: IBlock): void {
    anchor.addEventListener('mouseenter', () => {
      this._cancelHide();
      this._showTimer = setTimeout(
        () => void this._show(anchor, block),
        SHOW_DELAY_MS
      );
    });
    anchor.addEventListener('mouseleave', () => {
      if (this._showTimer !== null) {
        clearTimeout(this._showTimer);
        this._showTimer = null;
      }
      this._scheduleHide();
    });
  }

  private async _show(anchor: HTMLElement, block: IBlock): Promise<void> {
    this._hide();
    const popup = document.createElement('div');
    popup.className = 'jp-Blocks-preview';
    popup.addEventListener('mouseenter', () => this._cancelHide());
    popup.addEventListener('mouseleave', () => this._scheduleHide());
    const rect = anchor.getBoundingClientRect();
    popup.style.left = `${Math.max(8, rect.left)}px`;
    popup.style.top = `${rect.bottom + 4}px`;
    document.body.append(popup);
    this._popup = popup;
    await this._render(popup, block, this._renderers);
  }

  private _scheduleHide(): void {
    this._cancelHide();
    this._hideTimer = setTimeout(() => this._hide(), HIDE_DELAY_MS);
  }

  private _cancelHide(): void {
    if (this._hideTimer !== null) {
      clearTimeout(this._hideTimer);
      this._hideTimer = null;
    }
  }

  private _hide(): void {
    this._popup?.remove();
    this._popup = null;
    for (const renderer of this._renderers) {
      renderer.dispose();
    }
    this._renderers = [];
  }

  private _popup: HTMLElement | null = null;
  private _renderers: IRenderMime.IRenderer[] = [];
  private _showTimer: ReturnType<typeof setTimeout> | null = null;
  private _hideTimer: ReturnType<typeof setTimeout> | null = null;
}
