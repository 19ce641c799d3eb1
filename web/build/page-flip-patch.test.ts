import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { PAGE_FLIP_MODULE, patchPageFlip } from './page-flip-patch';

const file = createRequire(import.meta.url).resolve('page-flip/dist/js/page-flip.module.js');
const original = readFileSync(file, 'utf8');

describe('page-flip patch (against the installed page-flip)', () => {
  it('matches the module file the app imports', () => {
    expect(PAGE_FLIP_MODULE.test(file)).toBe(true);
  });

  it('removes the <style> injection and makes the render loop stoppable, nothing else', () => {
    expect(original).toContain('createElement("style")');
    const patched = patchPageFlip(original);
    expect(patched).not.toContain('createElement("style")');
    expect(patched).not.toContain('.stf__parent {');
    expect(patched).toContain('this.stopped||(this.render(e),requestAnimationFrame(t))');
    // Only those two places changed: the rest of the module is byte for byte the same.
    expect(original.length - patched.length).toBeGreaterThan(500);
    expect(patched.trimEnd().endsWith('export{x as PageFlip};')).toBe(true);
  });

  it('fails loudly on a different page-flip build', () => {
    expect(() => patchPageFlip(original.replace('insertAt', 'insertWhere'))).toThrow(/style injection/);
    expect(() => patchPageFlip(original.replace('requestAnimationFrame(t)}', 'requestAnimationFrame(t);}'))).toThrow(/render loop/);
  });
});
