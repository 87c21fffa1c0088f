// The tracking setup page's snippets: what the server reads back out of each URL must be what the brand typed,
// the secret appears only when it is given, and every language's literals survive any character an order id can
// carry. (test/tracking-setup-examples.test.ts runs the signed programs against a real server.)
import { describe, expect, it } from 'vitest';
import { rawConversion } from '../../src/tracking/params.js';
import {
  SECRET_PLACEHOLDER,
  SIGNED_LANGUAGES,
  everflowUrl,
  pixelTag,
  postbackTemplate,
  postbackUrl,
  signedBody,
  signedExample,
  tagConversionCall,
  tagScript,
  trackingBase,
  tuneUrl,
  type SnippetContext,
} from '../../web/app/settings/tracking-snippets.js';

const ctx: SnippetContext = { base: 'https://track.example.com', secret: 's3cr3t-Value', workspaceId: 'ws_123' };
const viewer: SnippetContext = { ...ctx, secret: null };
const sale = {
  offer: 'off_1',
  code: 'MARIE10',
  amount: '49.90',
  currency: 'EUR',
  order: 'A&B #1/o\'neil "x" \\ $HOME ü',
  test: true,
};

const paramsOf = (url: string) => Object.fromEntries(new URL(url).searchParams);

describe('trackingBase', () => {
  it("is the server's configured address, path prefix included", () => {
    expect(trackingBase('https://t.example.com/webhooks/shopify/ws_1')).toBe('https://t.example.com');
    expect(trackingBase('https://example.com/tp/webhooks/shopify/ws_1')).toBe('https://example.com/tp');
  });
});

describe('postbackUrl', () => {
  it('reads back, through the server’s own parameter mapping, exactly the sale that was built', () => {
    const params = paramsOf(postbackUrl(ctx, sale));
    expect(params.secret).toBe('s3cr3t-Value');
    expect(rawConversion(params)).toEqual({
      order: sale.order,
      offer: 'off_1',
      click: undefined,
      amount: '49.90',
      currency: 'EUR',
      code: 'MARIE10',
      test: '1',
      time: undefined,
    });
  });

  it('leaves out empty fields and a test flag that is off', () => {
    const url = postbackUrl(ctx, { offer: 'off_1', click: ' tpc_9 ', code: '', amount: '', test: false });
    expect(paramsOf(url)).toEqual({ secret: 's3cr3t-Value', offer: 'off_1', click: 'tpc_9' });
  });

  it('shows a placeholder, never a secret, when the person may not see it', () => {
    for (const text of [
      postbackUrl(viewer, sale),
      postbackTemplate(viewer),
      tuneUrl(viewer),
      everflowUrl(viewer),
      ...SIGNED_LANGUAGES.map((l) => signedExample(l.value, viewer, sale)),
    ]) {
      expect(text).toContain(SECRET_PLACEHOLDER);
      expect(text).not.toContain('s3cr3t');
    }
  });
});

describe('signed examples', () => {
  it('sign a JSON body naming the workspace, with every field of the sale', () => {
    expect(signedBody(ctx, sale)).toEqual({
      workspace: 'ws_123',
      offer: 'off_1',
      code: 'MARIE10',
      amount: '49.90',
      currency: 'EUR',
      order: sale.order,
      test: '1',
    });
  });

  it('quote each value for its language (bash and PHP single quotes, JSON strings for Node and Python)', () => {
    expect(signedExample('curl', ctx, sale)).toContain(`"order":"A&B #1/o'\\''neil \\"x\\" \\\\ $HOME ü"`);
    expect(signedExample('php', ctx, sale)).toContain(`'order' => 'A&B #1/o\\'neil "x" \\\\ $HOME ü',`);
    expect(signedExample('node', ctx, sale)).toContain(`  order: ${JSON.stringify(sale.order)},`);
    expect(signedExample('python', ctx, sale)).toContain(`    "order": ${JSON.stringify(sale.order)},`);
  });

  it('post to the postback endpoint with the signature header in every language', () => {
    for (const { value } of SIGNED_LANGUAGES) {
      const text = signedExample(value, ctx, sale);
      expect(text).toContain('https://track.example.com/postback');
      expect(text).toMatch(/X-Touchpoint-Signature/);
      expect(text).toContain('s3cr3t-Value');
    }
  });
});

describe('tag, pixel and network URLs', () => {
  it('loads the tag from the tracking host and queues the conversion until it has loaded', () => {
    expect(tagScript(ctx.base)).toBe('<script src="https://track.example.com/t.js" async></script>');
    const call = tagConversionCall({ ...sale, order: 'O-1' });
    expect(call).toContain('orderId: "O-1",');
    expect(call).toContain('test: true,');
    expect(call).toContain('window.touchpoint.q.push(sale)');
  });

  it('escapes the pixel for HTML and carries no click id (the pixel reads its cookie)', () => {
    const img = pixelTag(ctx.base, { ...sale, click: 'tpc_1', order: 'O-1' });
    expect(img).toMatch(/^<img src="https:\/\/track\.example\.com\/px\?offer=off_1&amp;code=MARIE10&amp;/);
    expect(img).not.toContain('tpc_1');
    expect(img).not.toMatch(/&(?!amp;)/);
  });

  it('keeps the networks’ own placeholders and parameter names', () => {
    expect(tuneUrl(ctx, 'off_1')).toBe(
      'https://track.example.com/aff_lsr?offer_id=off_1&transaction_id={transaction_id}&amount={amount}' +
        '&adv_unique1={order_id}&security_token=s3cr3t-Value',
    );
    const everflow = paramsOf(everflowUrl(ctx, 'off_1', 'EUR'));
    expect(rawConversion(everflow)).toMatchObject({
      offer: 'off_1',
      click: '{transaction_id}',
      order: '{order_id}',
      code: '{coupon_code}',
      currency: 'EUR',
    });
  });
});
