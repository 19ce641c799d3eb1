/** The licence and attribution of a series (CC BY requires them wherever its pages appear). */
export function Credit({
  attribution,
  license,
  licenseUrl,
  episodeAttribution,
  className,
}: {
  attribution: string;
  license: string | null;
  licenseUrl: string | null;
  episodeAttribution?: string | null;
  className?: string;
}) {
  // Packs are checked at import (http(s) only); a series imported before that check is not trusted either.
  const href = licenseUrl && /^https?:\/\//i.test(licenseUrl) ? licenseUrl : null;
  const extra = episodeAttribution && episodeAttribution !== attribution ? episodeAttribution : null;
  return (
    <p className={`credit ${className ?? ''}`} data-testid="credit">
      {extra ? <span className="credit-line">{extra}</span> : attribution ? <span className="credit-line">{attribution}</span> : null}
      {license ? (
        <span className="credit-license">
          {href ? (
            <a href={href} target="_blank" rel="noopener noreferrer license">
              {license}
            </a>
          ) : (
            license
          )}
        </span>
      ) : null}
    </p>
  );
}
