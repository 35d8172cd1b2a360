//! The markup of the face-scan page: what the customer faces during the scan.
//! Large plain text in the kiosk's light theme and colours, no scrollbars; the SDK element
//! `<iproov-me>` fills the rest of the screen. The script posts the SDK's final event to the
//! kiosk with the per-scan secret and then thanks the customer.

/// The page's look: the kiosk's light theme (egui's light panel, DejaVu Sans as bundled by the
/// kiosk, its green and red), one screen without scrolling.
const STYLE: &str = "html,body{height:100%;margin:0;overflow:hidden}\
body{background:#f8f8f8;color:#1e1e1e;font-family:'DejaVu Sans',Verdana,sans-serif;\
font-size:28px;line-height:1.35}\
main{box-sizing:border-box;height:100%;display:flex;flex-direction:column;align-items:center;\
padding:5vh 4vw;gap:2vh;text-align:center}\
h1{font-size:64px;margin:0}\
#sub{margin:0;color:#3c3c3c}\
iproov-me{display:block;flex:1;width:100%;min-height:0}\
.stand-in{height:100%;display:flex;flex-direction:column;align-items:center;\
justify-content:center;gap:3vh}\
.frame{height:min(36vh,48vw);aspect-ratio:3/4;border:8px dashed #1b6e2a;border-radius:50%}\
.demo{margin:0;font-size:22px;color:#8a5a00}\
.buttons{display:flex;gap:32px}\
button{font:inherit;min-height:72px;min-width:280px;padding:12px 32px;border:0;\
border-radius:12px;color:#fff;cursor:pointer}\
#p{background:#1b6e2a}#f{background:#b01e1e}";

/// A stand-in `<iproov-me>` (no SDK folder: demo and tests): a face frame and two buttons
/// that fire the SDK's `passed` / `failed` events. `?simulate=passed` (or `failed`) on the
/// page URL fires that event once the page has loaded, for a browser driven without clicks;
/// it is honoured by the stand-in only, never with the operator's SDK, and decides nothing:
/// the kiosk asks the service (validate) either way.
pub(super) const STAND_IN: &str = "customElements.define('iproov-me',class extends HTMLElement{\
connectedCallback(){this.innerHTML='<div class=stand-in><div class=frame aria-hidden=true>\
</div><p class=demo>Demo: no iProov face scan is set up here. Staff can simulate one.</p>\
<div class=buttons><button id=p>Simulate pass</button><button id=f>Simulate fail</button>\
</div></div>';\
this.querySelector('#p').onclick=()=>this.dispatchEvent(new CustomEvent('passed'));\
this.querySelector('#f').onclick=()=>this.dispatchEvent(new CustomEvent('failed'));\
const sim=new URLSearchParams(location.search).get('simulate');\
if(sim==='passed'||sim==='failed')addEventListener('load',\
()=>setTimeout(()=>this.dispatchEvent(new CustomEvent(sim)),100));}});";

/// What fills in the page.
pub(super) struct PageParts<'a> {
    /// `<script>` that defines `<iproov-me>` (the SDK file or the stand-in).
    pub sdk: &'a str,
    pub token: &'a str,
    pub base_url: &'a str,
    pub id: &'a str,
    /// Hex only (made by the kiosk), safe inside a JavaScript string.
    pub secret: &'a str,
    /// JSON array of the SDK events that end a scan.
    pub events: &'a str,
    /// Hex only: the Content-Security-Policy nonce of this response's inline scripts.
    pub nonce: &'a str,
}

/// The whole page for one scan.
pub(super) fn page_html(p: &PageParts<'_>) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>Face scan</title><style>{STYLE}</style></head><body><main>\
         <h1 id=say>Look at the camera</h1>\
         <p id=sub>Keep your face inside the frame and hold still. It takes a few seconds.</p>\
         {sdk}<iproov-me token=\"{token}\" base_url=\"{base}\" kiosk_mode=\"true\"></iproov-me>\
         </main><script nonce=\"{nonce}\">\
         const el=document.querySelector('iproov-me');let ended=false;\
         function report(ev){{fetch('/event/{id}',{{method:'POST',keepalive:true,\
         headers:{{'content-type':'application/json','x-scan-secret':'{secret}'}},\
         body:JSON.stringify({{event:ev}})}}).catch(()=>{{}});}}\
         for(const ev of {events})el.addEventListener(ev,()=>{{if(ended)return;ended=true;\
         report(ev);document.getElementById('say').textContent='Thank you';\
         document.getElementById('sub').textContent='Please turn back to the kiosk screen.';\
         el.style.display='none';}});\
         </script></body></html>",
        sdk = p.sdk,
        token = escape(p.token),
        base = escape(p.base_url),
        id = escape(p.id),
        secret = p.secret,
        events = p.events,
        nonce = p.nonce,
    )
}

/// Escapes text for an HTML attribute or a single-quoted JavaScript string in one.
fn escape(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '&' => "&amp;".to_owned(),
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '"' => "&quot;".to_owned(),
            '\'' => "&#39;".to_owned(),
            c => c.to_string(),
        })
        .collect()
}
