// The JavaScript tag served at GET /t.js, kept here as a string so that the TypeScript sources (vitest) and the
// tsc build (dist/) serve the very same bytes with no build step and no file to copy.
//
// What it does on the brand's page, in ES2017 with no dependencies, never throwing into the page:
// - On load, a `tp_click` in location.search (added by the tracking link's redirect) is stored in a first-party
//   cookie on the brand's own host (`tp_click`, path /, SameSite=Lax, Secure on https, 30 days or the page's
//   `data-window` in days) and in localStorage (`touchpoint.click`, with its expiry) as a fallback for when the
//   cookie cannot be written or is cleared (ITP, a same-named HttpOnly cookie of another port on the same host).
//   `data-domain=".example.com"` on the script tag shares the cookie with the brand's subdomains.
// - `touchpoint.conversion({offer, amount, currency, orderId, code, test})` sends the conversion with the stored
//   click id to `POST <the script's src up to /t.js>/collect`: `https://tp.example.com/collect`, or through the
//   brand's proxy `https://shop.example.com/go/collect` (first-party, docs/first-party.md), where the server-set
//   HttpOnly `tp_click` cookie travels with the beacon when the script's copy is missing (offer repeated in the query, so a preflight could be
//   answered): `navigator.sendBeacon` with a text/plain JSON body (a CORS "simple" request: no preflight, and it
//   survives the page being left), else `fetch(…, {keepalive: true, mode: 'cors'})`. It returns a promise that
//   always resolves, never rejects: `{ok: true, beacon: true}` when the beacon was queued (its answer cannot be
//   read), the server's answer plus `ok` after a fetch, `{ok: false, error}` otherwise.
// - Calls made before the tag loaded (`window.touchpoint = {q: [...]}`, each entry a conversion's argument) are
//   sent once it has.
// - `touchpoint.clickId()` (also `touchpoint.click()`) returns the stored click id, for brands that pass it to their
//   own checkout: Stripe Checkout's `client_reference_id`, a cart attribute, a hidden form field.
//
// Kept readable and small (see TAG_SCRIPT.length in the tests): short names, no comments inside, one bundle.

export const TAG_VERSION = 1;

export const TAG_SCRIPT = String.raw`/*! Touchpoint tag v1 */
(function(w,d,n){"use strict";try{
var K="tp_click",L="touchpoint.click",old=w.touchpoint||{},
s=d.currentScript||d.querySelector('script[src*="/t.js"]')||{},
ds=s.dataset||{},src=s.src||"",
base=(src.match(/^(https?:\/\/[^?#]*)\/t\.js(?:[?#]|$)/)||src.match(/^(https?:\/\/[^\/?#]+)/)||[0,""])[1],
days=+ds.window>0?+ds.window:30;
function store(){try{return w.localStorage}catch(e){}}
function read(){
try{var m=d.cookie.match(/(?:^|;\s*)tp_click=([\w-]{8,64})/);if(m)return m[1]}catch(e){}
try{var v=JSON.parse(store().getItem(L));if(v&&v.e>Date.now())return v.id}catch(e){}
}
function save(id){
try{d.cookie=K+"="+id+"; path=/; max-age="+Math.round(days*86400)+"; SameSite=Lax"+(location.protocol=="https:"?"; Secure":"")+(ds.domain?"; domain="+ds.domain:"")}catch(e){}
try{store().setItem(L,JSON.stringify({id:id,e:Date.now()+days*864e5}))}catch(e){}
}
function conversion(o){return new Promise(function(done){try{
o=o||{};
var u=base+"/collect"+(o.offer?"?offer="+encodeURIComponent(o.offer):""),
b=JSON.stringify({offer:o.offer,amount:o.amount,currency:o.currency,orderId:o.orderId||o.order,code:o.code,click:o.click||read(),test:o.test?true:void 0});
if(n.sendBeacon&&n.sendBeacon(u,b))return done({ok:true,beacon:true});
if(!w.fetch)return done({ok:false,error:"unsupported"});
fetch(u,{method:"POST",body:b,keepalive:true,mode:"cors"}).then(function(r){
return r.json().then(function(x){x.ok=r.ok;done(x)})
}).catch(function(e){done({ok:false,error:String(e)})})
}catch(e){done({ok:false,error:String(e)})}})}
var m=location.search.match(/[?&]tp_click=([\w-]{8,64})(?:&|$)/);
if(m)save(m[1]);
w.touchpoint={v:1,conversion:conversion,click:read,clickId:read};
(old.q||[]).forEach(function(o){conversion(o)});
}catch(e){}})(window,document,navigator);
`;
