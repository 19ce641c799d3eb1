/**
 * Markdown from the server (model answers, wiki sections) rendered as React
 * elements: no raw HTML (it is dropped, never parsed), a short list of
 * allowed elements, links only where the link policy allows them (see
 * links.ts), and no images from the network: an image becomes a link to it
 * (pack text) or is dropped (model output), so reading never makes the
 * browser contact another site on its own.
 */
import type { MouseEvent, ReactNode } from 'react';
import ReactMarkdown, { type Components, defaultUrlTransform } from 'react-markdown';
import { Link } from 'wouter';
import type { LinkPolicy, LinkTarget } from './links';

const ALLOWED = ['p', 'em', 'strong', 'blockquote', 'ul', 'ol', 'li', 'a', 'code', 'pre', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'br', 'hr', 'img'];

export interface MarkdownProps {
  text: string;
  policy: LinkPolicy;
  /** Called for a click on an internal link; return true when handled (e.g. the reader opens a page in place). */
  onInternalLink?: (target: LinkTarget) => boolean;
  /** Pack text may show its images as links; model output never. */
  images: 'link' | 'drop';
  /** Extra class for links that are citations (`/read/…` links in answers). */
  pageLinkClass?: string;
  className?: string;
}

export function Markdown({ text, policy, onInternalLink, images, pageLinkClass, className }: MarkdownProps) {
  const components: Components = {
    a({ href, children }) {
      const target = href ? policy(href) : null;
      if (!target) return <span className="md-unlinked">{children}</span>;
      if (target.kind === 'external') {
        return (
          <a href={target.href} target="_blank" rel="noopener noreferrer nofollow" className="md-external">
            {children}
            <span className="visually-hidden"> (opens another site)</span>
          </a>
        );
      }
      const onClick = (e: MouseEvent) => {
        if (onInternalLink?.(target)) e.preventDefault();
      };
      return (
        <Link href={target.href} onClick={onClick} className={target.kind === 'page' ? pageLinkClass : undefined}>
          {children}
        </Link>
      );
    },
    img({ src, alt }) {
      if (images === 'drop' || typeof src !== 'string') return alt ? <span>{alt}</span> : null;
      const target = policy(src);
      const label: ReactNode = alt ? `Image: ${alt}` : 'Image';
      if (target?.kind !== 'external') return <span className="md-image">{label}</span>;
      return (
        <a href={target.href} target="_blank" rel="noopener noreferrer nofollow" className="md-image md-external">
          {label}
          <span className="visually-hidden"> (opens another site)</span>
        </a>
      );
    },
    // Headings inside an answer or a section are sub-headings of what surrounds them.
    h1: ({ children }) => <h4>{children}</h4>,
    h2: ({ children }) => <h4>{children}</h4>,
    h3: ({ children }) => <h5>{children}</h5>,
  };
  return (
    <div className={`markdown ${className ?? ''}`}>
      <ReactMarkdown skipHtml allowedElements={ALLOWED} unwrapDisallowed urlTransform={defaultUrlTransform} components={components}>
        {text}
      </ReactMarkdown>
    </div>
  );
}
