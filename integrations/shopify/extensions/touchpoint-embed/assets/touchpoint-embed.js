/*! Touchpoint for Shopify: app embed v1 */
// Loaded on every storefront page by the app embed block (blocks/touchpoint.liquid). Plain ES2017, no dependencies,
// never throws into the theme.
//
// 1. A `tp_click` in the page's URL (added by a Touchpoint tracking link's redirect) is remembered on the shop's own
//    domain, the way Touchpoint's t.js remembers it: a first-party cookie `tp_click` (path /, SameSite=Lax, Secure on
//    https, the block's "click window" in days) and localStorage `touchpoint.click` ({id, e: expiry}), so the web
//    pixel can read it at checkout (browser.cookie / browser.localStorage) and t.js, if also installed, shares it.
// 2. The click id is written to the cart as the attribute `tp_click` with Shopify's AJAX Cart API
//    (POST {routes.root}cart/update.js, JSON {attributes: {tp_click}}). Shopify copies cart attributes into the
//    order's `note_attributes`, which the order webhook carries to Touchpoint: evidence from Shopify's server.
// 3. Once per click id and cart: after an update that Shopify confirmed (its answer is the cart, holding the
//    attribute), localStorage `touchpoint.cart` remembers {id, token} (the click id and the cart's token), and later
//    page views send nothing. When the request fails (an error, a non-2xx answer, an answer without the attribute)
//    nothing is remembered, so the next page view tries again.
// 4. A new cart (Shopify starts one after an order, or when the old one expires) does not hold the attribute, and the
//    order webhook, which decides, would then carry no click. So when the shop's `cart` cookie names another cart than
//    the one remembered, or none (where cookies cannot be read at all: once per browser session), the embed reads the
//    cart (GET cart.js) and writes the attribute again only if it is missing.
(function (w, d) {
  'use strict';
  try {
    var NAME = 'tp_click';
    var STORED = 'touchpoint.click';
    var SENT = 'touchpoint.cart';
    var CHECKED = 'touchpoint.cart.checked';
    var ID = /^[\w-]{8,64}$/;
    var script = d.currentScript || d.querySelector('script[data-touchpoint-embed]') || {};
    var data = script.dataset || {};
    var days = +data.days > 0 ? +data.days : 30;

    var storage = function () {
      try {
        return w.localStorage;
      } catch (e) {
        return null;
      }
    };
    var fromUrl = function () {
      var m = w.location.search.match(/[?&]tp_click=([\w-]{8,64})(?:&|$)/);
      return m ? m[1] : null;
    };
    var read = function () {
      try {
        var m = d.cookie.match(/(?:^|;\s*)tp_click=([\w-]{8,64})/);
        if (m) return m[1];
      } catch (e) {
        /* cookies blocked */
      }
      try {
        var v = JSON.parse(storage().getItem(STORED));
        if (v && v.e > Date.now() && ID.test(v.id)) return v.id;
      } catch (e) {
        /* nothing stored */
      }
      return null;
    };
    var save = function (id) {
      try {
        d.cookie =
          NAME +
          '=' +
          id +
          '; path=/; max-age=' +
          Math.round(days * 86400) +
          '; SameSite=Lax' +
          (w.location.protocol === 'https:' ? '; Secure' : '');
      } catch (e) {
        /* cookies blocked */
      }
      try {
        storage().setItem(STORED, JSON.stringify({ id: id, e: Date.now() + days * 864e5 }));
      } catch (e) {
        /* storage blocked */
      }
    };
    var sent = function () {
      try {
        var v = JSON.parse(storage().getItem(SENT));
        return v && typeof v.id === 'string' ? v : {};
      } catch (e) {
        return {};
      }
    };
    var session = function () {
      try {
        return w.sessionStorage;
      } catch (e) {
        return null;
      }
    };
    var tokenOf = function (token) {
      return typeof token === 'string' ? token.split('?')[0] : '';
    };
    // The cart this browser has now, by Shopify's `cart` cookie ('' when there is none yet); null when cookies
    // cannot be read at all.
    var cartCookie = function () {
      try {
        var m = d.cookie.match(/(?:^|;\s*)cart=([^;]+)/);
        return m ? tokenOf(decodeURIComponent(m[1])) : '';
      } catch (e) {
        return null;
      }
    };
    var remember = function (id, cart) {
      try {
        storage().setItem(SENT, JSON.stringify({ id: id, token: tokenOf(cart.token) }));
      } catch (e) {
        /* without storage the update is repeated on each page view: harmless, the same value */
      }
      try {
        session().setItem(CHECKED, id);
      } catch (e) {
        /* no session storage */
      }
    };
    // Shopify's locale-aware root ("/", "/fr/"), as its AJAX API documentation asks.
    var root = function () {
      var r = w.Shopify && w.Shopify.routes && w.Shopify.routes.root;
      return typeof r === 'string' && r.charAt(0) === '/' ? r.replace(/\/?$/, '/') : '/';
    };

    var id = fromUrl();
    if (id) save(id);
    else id = read();

    var state = { clickId: id, cart: 'idle' };
    w.touchpointShopify = state;
    if (!id || !w.fetch) return;
    var last = sent();
    if (last.id === id) {
      var now = cartCookie();
      var checked = (function () {
        try {
          return session().getItem(CHECKED) === id;
        } catch (e) {
          return false;
        }
      })();
      if (now !== null ? now === last.token : checked) {
        state.cart = 'done';
        return;
      }
    }

    var json = function (r) {
      if (!r.ok) throw new Error('the cart API answered ' + r.status);
      return r.json();
    };
    var holds = function (cart) {
      return !!(cart && cart.attributes && cart.attributes[NAME] === id);
    };
    var update = function () {
      var attributes = {};
      attributes[NAME] = id;
      return w
        .fetch(root() + 'cart/update.js', {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
          body: JSON.stringify({ attributes: attributes }),
        })
        .then(json)
        .then(function (cart) {
          if (!holds(cart)) throw new Error('the cart did not keep tp_click');
          return cart;
        });
    };
    state.cart = 'sending';
    // The same click, another cart: read it first, and write only if the attribute is missing.
    var written =
      last.id === id
        ? w
            .fetch(root() + 'cart.js', { credentials: 'same-origin', headers: { Accept: 'application/json' } })
            .then(json)
            .then(function (cart) {
              return holds(cart) ? cart : update();
            })
        : update();
    written
      .then(function (cart) {
        remember(id, cart);
        state.cart = 'done';
      })
      .catch(function () {
        state.cart = 'failed';
      });
  } catch (e) {
    /* never break the theme */
  }
})(window, document);
