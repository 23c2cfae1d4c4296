/* share/dashboard/dashboard.js - the dashboard's pages: fetch /api/*, draw, poll.
 *
 * Everything shown comes from the network at some remove (names from DNS clients, answers
 * from resolvers and mirrors, EDE text): it is put into the page with textContent and
 * createElement only, never innerHTML, so a name carrying markup stays text. No inline
 * script or style anywhere: the Content-Security-Policy allows only this file. */
"use strict";

const POLL_MS = 3000;

/* An element with text (never parsed as HTML) and attributes. */
function el(tag, text, attrs) {
	const e = document.createElement(tag);
	if (text !== undefined && text !== null)
		e.textContent = String(text);
	for (const k in attrs || {})
		e.setAttribute(k, attrs[k]);
	return e;
}

function clear(e) {
	while (e.firstChild)
		e.removeChild(e.firstChild);
	return e;
}

async function api(path) {
	const r = await fetch(path, { cache: "no-store", credentials: "same-origin" });
	const j = await r.json();
	if (!j.ok)
		throw new Error(j.error || ("HTTP " + r.status));
	return j;
}

function showError(msg) {
	const e = document.getElementById("error");
	if (e)
		e.textContent = msg || "";
}

/* Run fn now and every POLL_MS; errors are shown, not thrown. */
function poll(fn) {
	const run = async () => {
		try {
			await fn();
			showError("");
		} catch (err) {
			showError("vantaged did not answer: " + err.message);
		}
	};
	run();
	setInterval(run, POLL_MS);
}

function ago(unix) {
	const s = Math.max(0, Math.round(Date.now() / 1000 - unix));
	return s < 60 ? s + " s ago" : s < 3600 ? Math.round(s / 60) + " min ago"
	    : Math.round(s / 3600) + " h ago";
}

function duration(s) {
	const d = Math.floor(s / 86400), h = Math.floor(s / 3600) % 24, m = Math.floor(s / 60) % 60;
	return (d ? d + "d " : "") + (d || h ? h + "h " : "") + m + "m " + (s % 60) + "s";
}

/* A table from rows: cols is [[heading, function(row) -> text or Node, class]]. */
function table(target, cols, rows, rowClass) {
	const t = el("table"), head = el("tr");
	for (const c of cols)
		head.appendChild(el("th", c[0]));
	t.appendChild(el("thead")).appendChild(head);
	const body = t.appendChild(el("tbody"));
	for (const r of rows) {
		const tr = body.appendChild(el("tr", null, rowClass ? { class: rowClass } : {}));
		for (const c of cols) {
			const v = c[1](r), td = el("td", null, c[2] ? { class: c[2] } : {});
			if (v instanceof Node)
				td.appendChild(v);
			else
				td.textContent = v === null || v === undefined ? "" : String(v);
			tr.appendChild(td);
		}
	}
	if (rows.length === 0)
		body.appendChild(el("tr")).appendChild(el("td", "nothing yet", { colspan: cols.length }));
	clear(target).appendChild(t);
}

/* ---- status ---- */

const OUTCOME_CLASS = { agree: "c-agree", dissent: "c-dissent", insufficient: "c-insufficient",
	cached: "c-cached", refused: "c-refused", flagged: "c-flagged" };
const CHART_OUTCOMES = ["agree", "cached", "insufficient", "dissent"];

/* Verdicts per minute over the last hour: stacked bars, drawn as SVG by hand. */
function drawChart(h) {
	const NS = "http://www.w3.org/2000/svg", W = 620, H = 160, PAD = 24;
	const minutes = h.minutes.slice(-59).concat([h.current]);
	const svg = document.createElementNS(NS, "svg");
	svg.setAttribute("id", "chart");
	svg.setAttribute("viewBox", "0 0 " + W + " " + H);
	svg.setAttribute("role", "img");
	let max = 1;
	for (const m of minutes)
		max = Math.max(max, CHART_OUTCOMES.reduce((a, o) => a + (m[o] || 0), 0));
	const bw = (W - PAD) / 60;
	minutes.forEach((m, i) => {
		let y = H - PAD;
		const x = PAD + (60 - minutes.length + i) * bw;
		for (const o of CHART_OUTCOMES) {
			const v = m[o] || 0;
			if (!v)
				continue;
			const hgt = (H - 2 * PAD) * v / max;
			y -= hgt;
			const r = document.createElementNS(NS, "rect");
			r.setAttribute("x", x.toFixed(1));
			r.setAttribute("y", y.toFixed(1));
			r.setAttribute("width", (bw - 1).toFixed(1));
			r.setAttribute("height", hgt.toFixed(1));
			r.setAttribute("class", "bar " + OUTCOME_CLASS[o]);
			const t = document.createElementNS(NS, "title");
			t.textContent = o + ": " + v;
			r.appendChild(t);
			svg.appendChild(r);
		}
	});
	const axis = document.createElementNS(NS, "text");
	axis.setAttribute("x", "2");
	axis.setAttribute("y", "14");
	axis.setAttribute("class", "axis");
	axis.textContent = max + "/min";
	svg.appendChild(axis);
	const now = document.createElementNS(NS, "text");
	now.setAttribute("x", String(W - 30));
	now.setAttribute("y", String(H - 6));
	now.setAttribute("class", "axis");
	now.textContent = "now";
	svg.appendChild(now);
	const legend = el("p", null, { class: "legend" });
	for (const o of CHART_OUTCOMES)
		legend.appendChild(el("span", o, { class: "key " + OUTCOME_CLASS[o] }));
	const box = clear(document.getElementById("chart-box"));
	box.appendChild(svg);
	box.appendChild(legend);
}

function kv(target, pairs) {
	const dl = el("dl");
	for (const [k, v, cls] of pairs) {
		dl.appendChild(el("dt", k));
		dl.appendChild(el("dd", v, cls ? { class: cls } : {}));
	}
	clear(target).appendChild(dl);
}

async function pageStatus() {
	const [s, h] = await Promise.all([api("/api/status"), api("/api/history")]);
	const rc = s.resolv_conf || {};
	const portal = s.portal || { state: "none", say: "" };
	const sh = s.shared || { state: "off" };
	/* The fleet's Redis (shared:), only when one is configured. */
	const fleet = sh.state === "off" ? [] : [["fleet (Redis)", sh.state + ", " + sh.server +
		": hits " + sh.hits + ", lock waits " + sh.lock_waits + ", published " + sh.published +
		", invalid " + sh.invalid + (sh.last_error ? "; last error: " + sh.last_error : ""),
		sh.state === "up" ? "good" : "bad"]];
	kv(document.getElementById("summary"), [
		["mode", s.mode],
		["mirrors usable", s.mirrors.ready + " of " + s.mirrors.total,
			s.mirrors.ready ? "good" : "bad"],
		["in the system's path", rc.in_path === true ? "yes" : rc.in_path === false
			? "no: " + (rc.path || "resolv.conf") + " names " + (rc.nameservers || []).join(", ")
			: "unknown", rc.in_path ? "good" : "bad"],
		["captive portal", portal.say, portal.state === "none" ? "good" : "bad"],
		...fleet,
		["verdicts", "agree " + s.verdicts.agree + ", dissent " + s.verdicts.dissent +
			", insufficient " + s.verdicts.insufficient + ", cached " + s.verdicts.cached],
		["refused / servfail / flagged", s.actions.refuse + " / " + s.actions.servfail +
			" / " + s.actions.flag],
		["version", s.version + " (pid " + s.pid + ", up " + duration(s.uptime_s) + ")"],
	]);
	drawChart(h);
	kv(document.getElementById("cache"), [
		["answers", s.cache.entries + " of " + s.cache.max_entries],
		["hits / misses", s.cache.hits + " / " + s.cache.misses],
		["verified", s.verified_cache.entries],
		["in flight", s.cache.in_flight],
	]);
	table(document.getElementById("upstreams"), [
		["address", u => u.address],
		["healthy", u => u.healthy ? "yes" : "no"],
		["rtt ms", u => u.srtt_ms],
		["queries", u => u.queries],
		["timeouts", u => u.timeouts],
		["errors", u => u.errors],
	], s.upstreams);
}

/* ---- dissents and refusals ---- */

function mirrorList(ms) {
	const ul = el("ul", null, { class: "mirrors" });
	for (const m of ms) {
		const li = ul.appendChild(el("li", null, { class: "ev-mirror " + m.evidence }));
		li.appendChild(el("b", m.name));
		li.appendChild(el("span", " (" + m.region + "): "));
		li.appendChild(el("code", m.answer));
		li.appendChild(el("span", " " + m.evidence));
	}
	if (ms.length === 0)
		ul.appendChild(el("li", "verdict from the verified cache (no mirror asked now)"));
	return ul;
}

async function pageDissents() {
	const r = await api("/api/recent");
	document.getElementById("total").textContent = r.total;
	table(document.getElementById("events"), [
		["when", e => ago(e.time)],
		["client", e => e.client, "ev-client"],
		["name", e => e.name, "ev-name"],
		["type", e => e.type],
		["verdict", e => e.outcome],
		["action", e => e.action, "ev-action"],
		["why", e => e.ede_text || ""],
		["mirrors", e => mirrorList(e.mirrors)],
	], r.events, "event");
}

/* ---- clients ---- */

async function pageClients() {
	const r = await api("/api/clients");
	table(document.getElementById("clients"), [
		["client", c => c.address, "cl-address"],
		["questions", c => c.queries],
		["refused", c => c.refused],
		["flagged", c => c.flagged],
		["last", c => ago(c.last)],
	], r.clients, "client");
	document.getElementById("evicted").textContent = r.evicted;
}

/* ---- mirrors ---- */

async function pageMirrors() {
	const r = await api("/api/mirrors");
	document.getElementById("ready").textContent = r.ready + " of " + r.total + " usable; " +
	    r.per_query + " asked per question";
	table(document.getElementById("mirrors"), [
		["mirror", m => m.name, "mi-name"],
		["region", m => m.region],
		["address", m => m.address],
		["state", m => m.state],
		["rtt ms", m => m.srtt_ms],
		["asked", m => m.queries],
		["sent", m => m.sent],
		["answers", m => m.answers],
		["agreements", m => m.agreements],
		["dissents", m => m.dissents],
		["handshakes", m => m.handshakes],
		["TLS failures", m => m.tls_failures],
		["verify", m => m.verify + (m.why ? " (" + m.why + ")" : "")],
	], r.mirrors, "mirror");
}

/* ---- explain ---- */

function renderExplain(j) {
	const out = clear(document.getElementById("result"));
	const pairs = [["name", j.name], ["type", j.type],
		["checked", j.checked ? "yes" : "no: " + (j.reason || "")]];
	if (j.status)
		pairs.push(["local answer", j.status === "ok" ? (j.rcode + " " + (j.local || "")) : j.status]);
	if (j.verdict)
		pairs.push(["verdict", j.verdict.outcome + " (rule " + j.verdict.rule + "; " +
			j.verdict.corroborated + " of " + j.verdict.asked + " corroborate, " +
			j.verdict.required + " required)"]);
	if (j.action)
		pairs.push(["action", j.action]);
	if (j.ede !== null && j.ede !== undefined)
		pairs.push(["EDE", j.ede + (j.ede_text ? " " + j.ede_text : "")]);
	if (j.note)
		pairs.push(["note", j.note]);
	const box = out.appendChild(el("div"));
	kv(box, pairs);
	if (j.mirrors) {
		out.appendChild(el("h3", "each mirror"));
		const t = out.appendChild(el("div"));
		table(t, [
			["mirror", m => m.name, "ex-mirror"],
			["region", m => m.region],
			["answer", m => m.answer],
			["evidence", m => m.evidence],
			["rule / why", m => m.rule || m.why || ""],
		], j.mirrors);
	}
	if (j.answer) {
		out.appendChild(el("h3", "records served"));
		const pre = out.appendChild(el("pre"));
		pre.textContent = j.answer.join("\n");
	}
}

function pageExplain() {
	const form = document.getElementById("explain-form");
	form.addEventListener("submit", async ev => {
		ev.preventDefault();
		const name = document.getElementById("name").value.trim();
		const type = document.getElementById("type").value.trim();
		const q = new URLSearchParams({ name: name, type: type || "A" });
		document.getElementById("result").textContent = "asking the mirrors...";
		try {
			renderExplain(await api("/api/explain?" + q.toString()));
			showError("");
		} catch (err) {
			clear(document.getElementById("result"));
			showError(err.message);
		}
	});
	const pre = new URLSearchParams(location.search).get("name");
	if (pre) {
		document.getElementById("name").value = pre;
		form.requestSubmit();
	}
}

document.addEventListener("DOMContentLoaded", () => {
	const page = document.body.dataset.page;
	for (const a of document.querySelectorAll("nav a"))
		if (a.dataset.page === page)
			a.setAttribute("class", "here");
	const run = { status: pageStatus, dissents: pageDissents, clients: pageClients,
		mirrors: pageMirrors }[page];
	if (run)
		poll(run);
	else if (page === "explain")
		pageExplain();
});
