/** The parts of page-flip 2.0.7 (no bundled types) that Folio uses. */
declare module 'page-flip/dist/js/page-flip.module.js' {
  export interface FlipSetting {
    startPage: number;
    size: 'fixed' | 'stretch';
    width: number;
    height: number;
    minWidth: number;
    maxWidth: number;
    minHeight: number;
    maxHeight: number;
    drawShadow: boolean;
    flippingTime: number;
    usePortrait: boolean;
    startZIndex: number;
    autoSize: boolean;
    maxShadowOpacity: number;
    showCover: boolean;
    mobileScrollSupport: boolean;
    clickEventForward: boolean;
    useMouseEvents: boolean;
    swipeDistance: number;
    showPageCorners: boolean;
    disableFlipByClick: boolean;
  }
  export interface WidgetEvent<T> {
    data: T;
    object: PageFlip;
  }
  export class PageFlip {
    constructor(root: HTMLElement, settings: Partial<FlipSetting>);
    loadFromHTML(items: HTMLElement[]): void;
    on(event: 'flip', cb: (e: WidgetEvent<number>) => void): PageFlip;
    on(event: 'changeOrientation', cb: (e: WidgetEvent<'portrait' | 'landscape'>) => void): PageFlip;
    on(event: 'changeState', cb: (e: WidgetEvent<string>) => void): PageFlip;
    on(event: 'init', cb: (e: WidgetEvent<{ page: number; mode: string }>) => void): PageFlip;
    flipNext(corner?: 'top' | 'bottom'): void;
    flipPrev(corner?: 'top' | 'bottom'): void;
    flip(page: number, corner?: 'top' | 'bottom'): void;
    turnToPage(page: number): void;
    update(): void;
    destroy(): void;
    getCurrentPageIndex(): number;
    getPageCount(): number;
    getOrientation(): 'portrait' | 'landscape';
    getState(): 'user_fold' | 'fold_corner' | 'flipping' | 'read';
    /** Internal objects, used only to stop the render loop and remove listeners on destroy. */
    getRender(): { stopped?: boolean; finishAnimation(): void };
    getUI(): { removeHandlers?: () => void };
  }
}
