// The Touchpoint web pixel: Shopify loads it in its strict sandbox on the storefront, checkout and thank-you pages;
// on `checkout_completed` it reports the order to Touchpoint's /collect (src/handler.js has the logic).
import { register } from '@shopify/web-pixels-extension';
import { reportCheckoutCompleted } from './handler.js';

register(({ analytics, browser, settings }) => {
  analytics.subscribe('checkout_completed', (event) =>
    reportCheckoutCompleted(event, { browser, settings, fetch: self.fetch.bind(self) }),
  );
});
