// Signed postbacks: the secret never travels, and a captured request cannot be replayed after 5 minutes.
import { useState } from 'react';
import { Tabs } from '../../shared/ui.js';
import { Snippet } from './snippet.js';
import {
  SIGNED_LANGUAGES,
  signedExample,
  type SaleExample,
  type SignedLanguage,
  type SnippetContext,
} from './tracking-snippets.js';

export function SignedSection({ ctx, sale }: { ctx: SnippetContext; sale: SaleExample }) {
  const [lang, setLang] = useState<SignedLanguage>('curl');
  const file = SIGNED_LANGUAGES.find((l) => l.value === lang)!.file;
  return (
    <section className="card" aria-labelledby="signed-title">
      <h2 id="signed-title">2. Signed postback (recommended for servers)</h2>
      <p>
        Instead of sending the secret, sign the request: a header{' '}
        <code>X-Touchpoint-Signature: t=&lt;unix time&gt;,v1=&lt;HMAC-SHA256&gt;</code> computed with the secret over{' '}
        <code>&lt;t&gt;.&lt;body&gt;</code>. Sign the exact bytes you send, put every field in the JSON body (query
        parameters beside a signed body are refused), and send it within 5 minutes. Each example below is a complete
        program filled in with your workspace and the order built above; run it as is to send that order.
      </p>
      <Tabs label="Language" value={lang} options={SIGNED_LANGUAGES} onChange={setLang} />
      <Snippet label={file} text={signedExample(lang, ctx, sale)} what={`${file} example`} />
    </section>
  );
}
