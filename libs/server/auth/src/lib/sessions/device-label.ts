/** A label a person recognises ("Firefox on Linux") from a User-Agent; never more than 64 characters. */
export function deviceLabel(userAgent: string | undefined): string {
  const ua = userAgent ?? '';
  const browser =
    /Edg\//.test(ua) ? 'Edge'
      : /Firefox\//.test(ua) ? 'Firefox'
        : /Chrome\/|Chromium\//.test(ua) ? 'Chrome'
          : /Safari\//.test(ua) ? 'Safari'
            : /^node|undici/i.test(ua) ? 'Node.js'
              : '';
  const os =
    /Android/.test(ua) ? 'Android'
      : /iPhone|iPad/.test(ua) ? 'iOS'
        : /Windows/.test(ua) ? 'Windows'
          : /Mac OS X|Macintosh/.test(ua) ? 'macOS'
            : /Linux/.test(ua) ? 'Linux'
              : '';
  if (browser && os) return `${browser} on ${os}`;
  return (browser || os || ua.slice(0, 64) || 'Unknown device').slice(0, 64);
}
