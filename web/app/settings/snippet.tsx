// A block of code or a URL with its copy button, for the tracking setup page.
import { CopyButton } from '../../shared/ui.js';

/** Long lines scroll inside the box (it is focusable, so a keyboard can scroll it too), never the page. */
export function Snippet({ text, what, label }: { text: string; what: string; label?: string }) {
  return (
    <div className="snippet">
      <div className="snippet-head">
        {label && <span className="snippet-label">{label}</span>}
        <CopyButton text={text} what={what} />
      </div>
      <pre className="snippet-code" tabIndex={0} aria-label={what}>
        <code>{text}</code>
      </pre>
    </div>
  );
}
