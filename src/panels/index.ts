/**
 * Panels of comic pages, for guided view: found in a page's pixels at import (detect.ts, from the image
 * pipeline in src/images.ts) and put in the series' reading order (order.ts) when the series is built.
 */
export { DETECT_WIDTH, type Detection, detectPanels, type GrayImage } from './detect.js';
export { type Direction, orderPanels, type Panel } from './order.js';
