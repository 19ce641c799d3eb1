/**
 * Two build-time fixes to page-flip 2.0.7's ESM file (pinned exactly, so the
 * patterns are exact; a mismatch fails the build instead of shipping unpatched):
 *
 * 1. It injects its CSS with a <style> element at import time. Folio's CSP
 *    (style-src 'self') blocks that, so the same rules live in our stylesheet
 *    (src/reader/flipbook.css) and the injection is removed.
 * 2. Its render loop re-arms requestAnimationFrame forever, also after
 *    destroy(): the loop now stops once `stopped` is set on the render
 *    (src/reader/flipbook.ts sets it when it destroys a book).
 */
export const PAGE_FLIP_MODULE = /[\\/]page-flip[\\/]dist[\\/]js[\\/]page-flip\.module\.js$/;

const STYLE_INJECTION = /!function\(t,e\)\{void 0===e&&\(e=\{\}\);var i=e\.insertAt;if\(t&&"undefined"!=typeof document\)\{[^]*?\}\}\("\.stf__parent \{[^"]*"\);/;
const RENDER_LOOP = 'start(){this.update();const t=e=>{this.render(e),requestAnimationFrame(t)};requestAnimationFrame(t)}';
const RENDER_LOOP_STOPPABLE = 'start(){this.update();const t=e=>{this.stopped||(this.render(e),requestAnimationFrame(t))};requestAnimationFrame(t)}';

export function patchPageFlip(code: string): string {
  if (!STYLE_INJECTION.test(code)) throw new Error('page-flip-patch: the style injection of page-flip 2.0.7 was not found; was page-flip upgraded?');
  if (!code.includes(RENDER_LOOP)) throw new Error('page-flip-patch: the render loop of page-flip 2.0.7 was not found; was page-flip upgraded?');
  return code.replace(STYLE_INJECTION, '').replace(RENDER_LOOP, RENDER_LOOP_STOPPABLE);
}
