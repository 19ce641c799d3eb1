/** A node's picture: the pack's image when the API gives one, else its kind's colour, icon and initial. */

import type { WorldNode } from '../../../src/contract/index.js';
import { mediaUrl } from '../api/client';
import { initialOf, type KindLook, kindLook } from './kinds';

const ICONS: Record<KindLook['icon'], string> = {
  person: 'M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8zm-7 8a7 7 0 0 1 14 0z',
  place: 'M12 2a7 7 0 0 0-7 7c0 5 7 13 7 13s7-8 7-13a7 7 0 0 0-7-7zm0 9.5A2.5 2.5 0 1 1 12 6.5a2.5 2.5 0 0 1 0 5z',
  creature:
    'M6 10a2 2 0 1 0 0-4 2 2 0 0 0 0 4zm12 0a2 2 0 1 0 0-4 2 2 0 0 0 0 4zM9.5 7a2 2 0 1 0 0-4 2 2 0 0 0 0 4zm5 0a2 2 0 1 0 0-4 2 2 0 0 0 0 4zM12 11c-3 0-6 4-6 7 0 2 2 2 3 2s2-1 3-1 2 1 3 1 3 0 3-2c0-3-3-7-6-7z',
  group: 'M8 11a3 3 0 1 0 0-6 3 3 0 0 0 0 6zm8 0a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM2 19a6 6 0 0 1 12 0zm10 0a6 6 0 0 1 10 0z',
  object: 'M12 2l8 10-8 10-8-10z',
  event: 'M12 2l2.9 6.9L22 10l-5.5 4.7L18 22l-6-3.8L6 22l1.5-7.3L2 10l7.1-1.1z',
  dot: 'M12 7a5 5 0 1 0 0 10 5 5 0 0 0 0-10z',
};

export function KindIcon({ icon, className }: { icon: KindLook['icon']; className?: string }) {
  return (
    <svg viewBox="0 0 24 24" width="14" height="14" aria-hidden="true" className={className}>
      <path d={ICONS[icon]} fill="currentColor" />
    </svg>
  );
}

export function EntityAvatar({ node, size }: { node: Pick<WorldNode, 'name' | 'kind' | 'avatar'>; size: number }) {
  const look = kindLook(node.kind);
  if (node.avatar) {
    return (
      <img
        className="entity-avatar"
        src={mediaUrl(size > 96 ? node.avatar.url : node.avatar.thumbUrl)}
        width={size}
        height={size}
        alt=""
        loading="lazy"
        decoding="async"
        draggable={false}
        style={{ backgroundColor: node.avatar.color ?? look.color }}
      />
    );
  }
  return (
    <span className="entity-avatar entity-avatar--fallback" style={{ backgroundColor: look.color, width: size, height: size, fontSize: size * 0.42 }} aria-hidden="true">
      {initialOf(node.name)}
      <KindIcon icon={look.icon} className="entity-kind-icon" />
    </span>
  );
}
