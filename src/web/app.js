/* app.js - the reporting form and the centre's dashboard over /api/v1.
 * The token lives in sessionStorage and goes out as a bearer header; no
 * inline script (the page is served with a strict Content-Security-Policy). */
"use strict";
const $ = (id) => document.getElementById(id);
let me = null;

async function api(method, path, body) {
  const headers = {};
  const tok = sessionStorage.getItem("vigil_token");
  if (tok) headers["Authorization"] = "Bearer " + tok;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  let data = null;
  try { data = await r.json(); } catch (e) { data = null; }
  if (r.status === 401 && path !== "/api/v1/login") { sessionStorage.removeItem("vigil_token"); show(); }
  return { status: r.status, data };
}

function text(el, s) { el.textContent = s == null ? "" : String(s); return el; }
function cell(tr, s) { tr.appendChild(text(document.createElement("td"), s)); }

async function show() {
  const tok = sessionStorage.getItem("vigil_token");
  me = null;
  if (tok) {
    const r = await api("GET", "/api/v1/me");
    if (r.status === 200) me = r.data;
  }
  $("login-view").hidden = !!me;
  $("logout").hidden = !me;
  text($("who"), me ? `${me.name} · ${me.role}${me.unit ? " · " + me.unit : ""}` : "");
  $("report-view").hidden = !me || me.role !== "reporter";
  $("cases-view").hidden = !me;
  $("dash-view").hidden = !me || me.role === "reporter";
  if (me) { loadCases(); if (me.role !== "reporter") loadDash(); }
}

$("login-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const f = ev.target;
  const r = await api("POST", "/api/v1/login", { username: f.username.value, password: f.password.value });
  if (r.status === 200) { sessionStorage.setItem("vigil_token", r.data.token); f.reset(); text($("login-msg"), ""); show(); }
  else text($("login-msg"), (r.data && r.data.error && r.data.error.message) || "login failed");
});

$("logout").addEventListener("click", async () => {
  await api("POST", "/api/v1/logout");
  sessionStorage.removeItem("vigil_token");
  show();
});

function reportBody(f) {
  const ser = Array.from(f.querySelectorAll("input[name=ser]:checked")).map((c) => c.value);
  const klass = f.class.value;
  const c = {
    class: klass, aware: f.aware.value, report_type: "spontaneous",
    unexpected: f.unexpected.checked, serious: ser.length > 0, seriousness: ser,
    reporter: { qualification: f.qualification.value },
    patient: { id: f.patient_id.value, sex: f.sex.value },
    products: [{ role: "suspect", class: klass, name: f.product.value }],
    events: [{ term: f.term.value, outcome: f.outcome.value, seriousness: ser }],
  };
  if (f.age.value) c.patient.age = { value: Number(f.age.value), unit: "a" };
  if (f.batch.value) c.products[0].batch = f.batch.value;
  if (f.manufacturer.value) c.products[0].manufacturer = f.manufacturer.value;
  if (f.onset.value) c.events[0].onset = f.onset.value;
  if (f.narrative.value) c.narrative = f.narrative.value;
  return c;
}

$("report-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const out = $("report-result");
  out.replaceChildren();
  const r = await api("POST", "/api/v1/cases", reportBody(ev.target));
  if (r.status === 201) {
    const t = r.data.timeliness;
    const p = text(document.createElement("p"), `已提交 ${r.data.case_id} · 时限 ${t.deadline_days} 天, 用时 ${t.days} 天`);
    p.className = t.late ? "late" : "ok";
    if (t.late) p.textContent += " · 迟报 LATE (" + t.rule + ")";
    out.appendChild(p);
    ev.target.reset();
    loadCases();
  } else {
    const ul = document.createElement("ul");
    ul.className = "problems";
    const e = (r.data && r.data.error) || { message: "error " + r.status };
    (e.problems && e.problems.length ? e.problems : [{ field: "", message: e.message }])
      .forEach((pr) => ul.appendChild(text(document.createElement("li"), (pr.field ? pr.field + ": " : "") + pr.message)));
    out.appendChild(ul);
  }
});

async function review(id, action) {
  let body = {};
  if (action === "return") {
    const c = prompt("退回意见 Comment for the unit");
    if (!c) return;
    body = { comment: c };
  }
  await api("POST", `/api/v1/cases/${encodeURIComponent(id)}/${action}`, body);
  loadCases();
}

async function loadCases() {
  const q = new URLSearchParams({ limit: "100" });
  if ($("f-status").value) q.set("status", $("f-status").value);
  if ($("f-class").value) q.set("class", $("f-class").value);
  const r = await api("GET", "/api/v1/cases?" + q);
  const tb = $("cases");
  tb.replaceChildren();
  if (r.status !== 200) return;
  text($("cases-total"), `(${r.data.total})`);
  r.data.results.forEach((c) => {
    const tr = document.createElement("tr");
    [c.case_id, c.unit, c.class, c.serious ? "是" : "", c.nullified ? "nullified" : c.status,
     c.first_product, c.first_event, c.received].forEach((s) => cell(tr, s));
    const td = document.createElement("td");
    if (me && me.role === "reviewer" && !c.nullified) {
      ["accept", "return"].forEach((a) => {
        const b = text(document.createElement("button"), a === "accept" ? "接收" : "退回");
        if (a === "return") b.className = "secondary";
        b.addEventListener("click", () => review(c.case_id, a));
        td.appendChild(b);
      });
    }
    tr.appendChild(td);
    tb.appendChild(tr);
  });
}

async function loadDash() {
  const tiles = $("tiles");
  tiles.replaceChildren();
  for (const [label, q] of [["全部 all", ""], ["待审 submitted", "status=submitted"], ["退回 returned", "status=returned"],
                            ["严重 serious", "serious=true"], ["药品 drug", "class=drug"], ["器械 device", "class=device"],
                            ["化妆品 cosmetic", "class=cosmetic"]]) {
    const r = await api("GET", "/api/v1/cases?limit=1&" + q);
    const d = document.createElement("div");
    d.className = "tile";
    d.appendChild(text(document.createElement("b"), r.status === 200 ? r.data.total : "–"));
    d.appendChild(text(document.createElement("span"), label));
    tiles.appendChild(d);
  }
  const ol = $("top-reactions");
  ol.replaceChildren();
  const r = await api("GET", "/api/v1/drug/event.json?count=patient.reaction.reactionmeddrapt.exact&limit=10");
  if (r.status === 200) r.data.results.forEach((t) => ol.appendChild(text(document.createElement("li"), `${t.term} (${t.count})`)));
}

$("refresh").addEventListener("click", loadCases);
$("f-status").addEventListener("change", loadCases);
$("f-class").addEventListener("change", loadCases);
show();
