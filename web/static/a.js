/* Noren analytics: no cookies, no storage */
((w,d,l,s)=>{
let A=k=>s?.getAttribute("data-"+k),
api=new URL("/api/event",s?.src||l),
ex=(A("exclude")||"").split(",").map(p=>RegExp("^"+p.trim().replace(/\W/g,"\\$&").replace(/\\\*/g,".*")+"$")),
last,
send=(n,o={})=>{
if(!(A("local")==null&&/^(localhost|127\.|\[::1|$)/.test(l.hostname)||ex.some(r=>r.test(l.pathname)))){
let b=JSON.stringify({name:n,url:l.href,domain:A("domain")||l.hostname,referrer:d.referrer,screen_width:w.innerWidth,props:o.props});
navigator.sendBeacon?.(api,b)||fetch(api,{method:"POST",body:b,keepalive:!0})
}
o.callback?.()
},
page=()=>{
if(last==l.pathname)return;
last=l.pathname;
send("pageview");
if(A("noren-404")!=null||d.querySelector("meta[name=noren-404]"))send("404");
let p=new URLSearchParams(l.search),v;
(A("search-param")||"q,query,s").split(",").some(k=>v=p.get(k.trim()));
v&&send("search",{props:{query:v,results:d.querySelector("[data-noren-results]")?.dataset.norenResults}})
},
click=e=>{
let a=e.target.closest?.("a[href]"),u=a&&new URL(a.href,l),o={props:{url:u&&u.origin+u.pathname}};
u&&e.button<2&&/^http/.test(u.protocol)&&(/\.(pdf|zip|docx?|xlsx?|pptx?|csv|txt|mp[34]|dmg|exe)$/i.test(u.pathname)?send("download",o):u.host!=l.host&&send("outbound",o))
};
for(let m of["pushState","replaceState"]){
let f=history[m];
history[m]=function(...a){f.apply(this,a);page()}
}
w.addEventListener("popstate",page);
d.addEventListener("click",click,!0);
d.addEventListener("auxclick",click,!0);
d.prerendering?d.addEventListener("prerenderingchange",page,{once:!0}):page();
for(let a of w.noren?.q||[])send(...a);
w.noren=send
})(window,document,location,document.currentScript);
