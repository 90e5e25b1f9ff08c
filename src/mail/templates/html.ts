const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text made safe for HTML element content and quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]);
}

/** One line for a header such as Subject: control characters (CR, LF) become spaces. */
export function oneLine(value: string): string {
  return [...value]
    .map((char) => (char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f ? ' ' : char))
    .join('')
    .replace(/\s+/g, ' ')
    .trim();
}

/** `2026-01-31 14:05 UTC`: unambiguous whatever the reader's time zone. */
export function formatUtc(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** A tagged template for HTML: every interpolated value is escaped unless it is already `Html`. */
export class Html {
  constructor(readonly value: string) {}
}

export function html(strings: TemplateStringsArray, ...values: (string | Html)[]): Html {
  const rendered = (value: string | Html): string =>
    value instanceof Html ? value.value : escapeHtml(value);
  return new Html(
    strings.reduce(
      (out, part, index) => out + part + (index < values.length ? rendered(values[index]) : ''),
      '',
    ),
  );
}

/** The document around a message's paragraphs, with inline styles (mail clients drop <style>). */
export function layout(title: string, body: Html): string {
  return html`<!doctype html>
    <html>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width" />
        <title>${title}</title>
      </head>
      <body
        style="font-family: -apple-system, Segoe UI, Helvetica, Arial, sans-serif; color: #1f2328; line-height: 1.5;"
      >
        <div style="max-width: 560px; margin: 0 auto; padding: 24px;">${body}</div>
      </body>
    </html> `.value;
}

export function button(href: string, label: string): Html {
  return html`<p>
      <a
        href="${href}"
        style="display: inline-block; padding: 10px 18px; background: #0969da; color: #ffffff; text-decoration: none; border-radius: 6px;"
        >${label}</a
      >
    </p>
    <p style="font-size: 13px; color: #59636e;">
      Or paste this link into your browser:<br />${href}
    </p>`;
}
