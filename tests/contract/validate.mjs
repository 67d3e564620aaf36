// tests/contract/validate.mjs OPENAPI LOG... — checks every recorded response
// against the contract.
//
// Each LOG is JSON lines {suite, method, path, status, contentType, body |
// bodyBase64} as written by tests/integration/itest.c (ACCELNET_TEST_CONTRACT_LOG)
// and by the SDK test (tests/sdk). For each response:
//
//   1. its path (query dropped, segments percent-decoded) is matched to an
//      OpenAPI path the way accelnetd's router matches routes: same number of
//      segments, one trailing slash ignored, literal segments compared
//      ignoring case, a {parameter} takes any one segment; when several paths
//      match, the one with more literal segments wins (a served route is never
//      shadowed by a templated one). HEAD is checked as GET without a body.
//   2. no path matches: the response must be the router's 404 `NotFound` in
//      the ErrorResponse envelope. The path matches but has no operation for
//      the method: it must be the 405 `MethodNotAllowed` response
//      (components/responses/MethodNotAllowed). Anything else is a route the
//      server serves and the contract does not describe: a mismatch.
//   3. the operation's response for the status (exact code, then 1XX..5XX,
//      then `default`) must exist; the Content-Type must be one of its media
//      types (an empty body needs none; a body needs one); a JSON body must
//      validate against the media type's schema with ajv (OpenAPI 3.1 is JSON
//      Schema 2020-12; $refs into components are resolved; formats checked);
//   4. and every member of a JSON body must be documented by the schema at
//      its place (in `properties`, `patternProperties` or an
//      `additionalProperties` schema of any subschema there), so that a member
//      the server adds without documenting it is a drift too.
//
// Prints each mismatch once with how many responses showed it, a summary, and
// exits 1 when there was any mismatch (or nothing to check), else 0.
import { readFileSync, existsSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const MAX_ERRORS_PER_MISMATCH = 5;

function usage() {
    console.error("usage: node validate.mjs OPENAPI.yaml LOG.jsonl...");
    process.exit(2);
}

const [specPath, ...logPaths] = process.argv.slice(2);
if (!specPath || logPaths.length === 0) usage();

const doc = parseYaml(readFileSync(specPath, "utf8"));

// --- $ref resolution ----------------------------------------------------------

function pointerGet(root, ref) {
    if (!ref.startsWith("#/")) throw new Error(`only local $refs are supported: ${ref}`);
    let cur = root;
    for (const raw of ref.slice(2).split("/")) {
        const key = decodeURIComponent(raw.replace(/~1/g, "/").replace(/~0/g, "~"));
        if (cur === null || typeof cur !== "object" || !(key in cur))
            throw new Error(`unresolvable $ref ${ref}`);
        cur = cur[key];
    }
    return cur;
}

// An OpenAPI object (response, parameter...) that may be a $ref.
function deref(obj) {
    let seen = 0;
    while (obj && typeof obj === "object" && typeof obj.$ref === "string") {
        if (++seen > 20) throw new Error(`$ref loop at ${obj.$ref}`);
        obj = pointerGet(doc, obj.$ref);
    }
    return obj;
}

// Schemas: all component schemas go into one JSON Schema document whose $defs
// they become; "#/components/schemas/X" refs are rewritten to point there.
const SCHEMAS_ID = "urn:accelnet:openapi:schemas";

function rewriteRefs(node) {
    if (Array.isArray(node)) return node.map(rewriteRefs);
    if (node === null || typeof node !== "object") return node;
    const out = {};
    for (const [k, v] of Object.entries(node)) {
        if (k === "$ref" && typeof v === "string") {
            const m = /^#\/components\/schemas\/(.+)$/.exec(v);
            if (!m) throw new Error(`schema $ref outside components/schemas: ${v}`);
            out.$ref = `${SCHEMAS_ID}#/$defs/${m[1]}`;
        } else if (k === "example" || k === "examples") {
            out[k] = v; // data, not schema: keep as is
        } else {
            out[k] = rewriteRefs(v);
        }
    }
    return out;
}

const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, validateFormats: true });
addFormats(ajv);
// OpenAPI's own formats (ajv-formats has the JSON Schema ones).
ajv.addFormat("int32", { type: "number", validate: (x) => Number.isInteger(x) && x >= -(2 ** 31) && x < 2 ** 31 });
ajv.addFormat("int64", { type: "number", validate: (x) => Number.isInteger(x) });
ajv.addFormat("float", { type: "number", validate: () => true });
ajv.addFormat("double", { type: "number", validate: () => true });
ajv.addFormat("password", { type: "string", validate: () => true });
// OpenAPI's own schema keywords (annotations for this purpose).
ajv.addVocabulary(["discriminator", "xml", "externalDocs", "example"]);

const componentSchemas = (doc.components && doc.components.schemas) || {};
ajv.addSchema({ $id: SCHEMAS_ID, $defs: rewriteRefs(componentSchemas) });

const compiled = new Map(); // key -> validate function
function validatorFor(key, schema) {
    if (!compiled.has(key)) compiled.set(key, ajv.compile(rewriteRefs(schema)));
    return compiled.get(key);
}

// The schema a $ref-bearing schema node stands for (for the member walk).
function schemaDeref(s) {
    let seen = 0;
    while (s && typeof s === "object" && typeof s.$ref === "string") {
        if (++seen > 50) throw new Error(`schema $ref loop at ${s.$ref}`);
        s = pointerGet(doc, s.$ref);
    }
    return s;
}

// --- undocumented members ---------------------------------------------------

// Every subschema that applies at this place (through $ref, allOf, anyOf,
// oneOf, if/then/else): the members any of them documents are documented.
function applicable(schema, out = []) {
    schema = schemaDeref(schema);
    if (!schema || typeof schema !== "object" || out.includes(schema)) return out;
    out.push(schema);
    for (const k of ["allOf", "anyOf", "oneOf"])
        if (Array.isArray(schema[k])) for (const s of schema[k]) applicable(s, out);
    for (const k of ["then", "else"]) if (schema[k]) applicable(schema[k], out);
    return out;
}

// Appends "path: member" for each member of value not documented by schema.
function undocumented(value, schema, path, out) {
    if (value === null || typeof value !== "object") return;
    const subs = applicable(schema);
    if (Array.isArray(value)) {
        const items = subs.map((s) => s.items).filter((s) => s && typeof s === "object");
        if (items.length === 0) return;
        value.forEach((v, i) => undocumented(v, items.length === 1 ? items[0] : { anyOf: items }, `${path}/${i}`, out));
        return;
    }
    // An object: a schema that says nothing about members (no properties of
    // any kind, no additionalProperties) leaves them open on purpose only when
    // it is not describing an object at all; treat "type: object" without any
    // member keyword as open (a free-form object).
    const objectSubs = subs.filter(
        (s) => s.properties || s.patternProperties || "additionalProperties" in s || "unevaluatedProperties" in s,
    );
    if (objectSubs.length === 0) return;
    for (const [name, v] of Object.entries(value)) {
        const here = [];
        let documented = false;
        for (const s of objectSubs) {
            if (s.properties && name in s.properties) {
                documented = true;
                here.push(s.properties[name]);
            }
            for (const [re, ps] of Object.entries(s.patternProperties || {})) {
                if (new RegExp(re, "u").test(name)) {
                    documented = true;
                    here.push(ps);
                }
            }
        }
        if (!documented) {
            for (const s of objectSubs) {
                const ap = s.additionalProperties ?? s.unevaluatedProperties;
                if (ap && typeof ap === "object") {
                    documented = true;
                    here.push(ap);
                } else if (ap === true) {
                    documented = true;
                }
            }
        }
        const p = `${path}/${name}`;
        if (!documented) {
            out.push(p);
            continue;
        }
        if (here.length > 0) undocumented(v, here.length === 1 ? here[0] : { anyOf: here }, p, out);
    }
}

// --- paths --------------------------------------------------------------------

// Like accelnetd's route_split: null for "//" inside a path.
function splitPath(path) {
    if (!path.startsWith("/")) return null;
    const parts = path.slice(1).split("/");
    if (parts.length > 0 && parts[parts.length - 1] === "") parts.pop(); // one trailing slash, or "/"
    if (parts.some((p) => p === "")) return null;
    return parts;
}

function decodeSeg(s) {
    try {
        return decodeURIComponent(s);
    } catch {
        return s;
    }
}

const templates = Object.keys(doc.paths || {}).map((tpl) => {
    const segs = splitPath(tpl) || [];
    return {
        tpl,
        segs: segs.map((s) => ({ param: /^\{.+\}$/.test(s), lit: s.toLowerCase() })),
        literals: segs.filter((s) => !/^\{.+\}$/.test(s)).length,
        item: doc.paths[tpl],
    };
});
templates.sort((a, b) => b.literals - a.literals);

function matchPath(path) {
    const segs = splitPath(path.split("?")[0].split("#")[0]);
    if (!segs) return null;
    const dec = segs.map((s) => decodeSeg(s).toLowerCase());
    for (const t of templates) {
        if (t.segs.length !== dec.length) continue;
        if (t.segs.every((s, i) => s.param || s.lit === dec[i])) return t;
    }
    return null;
}

// A path without a contract path, with its names folded the ARM way, so that
// one undocumented route is one mismatch: GUIDs become {guid}; in
// /subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/
// providers/{Namespace}/{type}/{name}/{childType}/{childName}... every name
// becomes {name}.
function routeShape(path) {
    const segs = (splitPath(path.split("?")[0]) || [path]).map((x) =>
        /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(x) ? "{guid}" : x,
    );
    const out = [];
    for (let i = 0; i < segs.length; i++) {
        const low = segs[i].toLowerCase();
        out.push(segs[i]);
        if ((low === "subscriptions" || low === "resourcegroups") && i + 1 < segs.length) {
            out.push("{name}");
            i++;
        } else if (low === "providers" && i + 1 < segs.length) {
            out.push(segs[++i]); // the namespace
            // Then type, name, type, name... (an action such as /register
            // lands on a type's place and is kept).
            for (let j = 0; ++i < segs.length; j++) out.push(j % 2 === 0 ? segs[i] : "{name}");
        }
    }
    return "/" + out.join("/");
}

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

function responseFor(op, status) {
    const rs = op.responses || {};
    const code = String(status);
    if (rs[code]) return { key: code, resp: deref(rs[code]) };
    const range = `${code[0]}XX`;
    if (rs[range]) return { key: range, resp: deref(rs[range]) };
    if (rs.default) return { key: "default", resp: deref(rs.default) };
    return null;
}

// The media type (type/subtype, parameters ignored on both sides) of a
// Content-Type among a response's content keys; then "type/*" and "*/*".
function mediaFor(content, contentType) {
    if (!content) return null;
    const baseOf = (v) => (v || "").split(";")[0].trim().toLowerCase();
    const base = baseOf(contentType);
    if (!base) return null;
    const entries = Object.entries(content);
    const exact = entries.find(([mt]) => baseOf(mt) === base);
    if (exact) return { mt: exact[0], media: exact[1] };
    const range = entries.find(([mt]) => baseOf(mt) === `${base.split("/")[0]}/*`) || entries.find(([mt]) => baseOf(mt) === "*/*");
    return range ? { mt: range[0], media: range[1] } : null;
}

// --- checking -------------------------------------------------------------------

const mismatches = new Map(); // message -> {count, suites:Set, example}
const seenOps = new Set();
let checked = 0;

function mismatch(rec, where, problem) {
    const key = `${where}\n${problem}`;
    let m = mismatches.get(key);
    if (!m) {
        m = { where, problem, count: 0, suites: new Set(), statuses: new Set(), example: `${rec.method} ${rec.path}` };
        mismatches.set(key, m);
    }
    m.count++;
    m.suites.add(rec.suite || "?");
    m.statuses.add(rec.status);
}

// ajv's errors as one line; array indices folded to * so that the same
// problem in several list items (or several responses) is reported once.
function ajvErrors(errors) {
    const all = [
        ...new Set(
            (errors || []).map((e) => {
                const extra = e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : "";
                return `${(e.instancePath || "(body)").replace(/\/\d+(?=\/|$)/g, "/*")} ${e.message}${extra}`;
            }),
        ),
    ];
    const lines = all.slice(0, MAX_ERRORS_PER_MISMATCH);
    if (all.length > MAX_ERRORS_PER_MISMATCH) lines.push(`... ${all.length - MAX_ERRORS_PER_MISMATCH} more`);
    return lines.join("; ");
}

function bodyText(rec) {
    if (typeof rec.body === "string") return rec.body;
    if (typeof rec.bodyBase64 === "string") return Buffer.from(rec.bodyBase64, "base64").toString("latin1");
    return "";
}

// Validates body against a response object; where names it in messages.
function checkBody(rec, where, resp, schemaKey) {
    const text = bodyText(rec);
    const isHead = rec.method.toUpperCase() === "HEAD";
    if (text.length === 0) {
        // HEAD never has a body; other methods: fine when the response
        // documents none, or only a 204-like emptiness the status implies.
        if (isHead || !resp.content || rec.status === 204 || rec.status === 304) return;
        mismatch(rec, where, `empty body, but the contract documents ${Object.keys(resp.content).join(", ")}`);
        return;
    }
    if (isHead) {
        mismatch(rec, where, "a HEAD response with a body");
        return;
    }
    const m = mediaFor(resp.content, rec.contentType);
    if (!m) {
        const doc_ = resp.content ? Object.keys(resp.content).join(", ") : "no body";
        mismatch(rec, where, `Content-Type ${rec.contentType || "(none)"}; the contract documents ${doc_}`);
        return;
    }
    if (!m.media.schema) return;
    const isJson = /[/+]json$/i.test(m.mt);
    let value = text;
    if (isJson) {
        try {
            value = JSON.parse(text);
        } catch (e) {
            mismatch(rec, where, `the body is not JSON (${e.message})`);
            return;
        }
    }
    const validate = validatorFor(`${schemaKey} ${m.mt}`, m.media.schema);
    if (!validate(value)) {
        mismatch(rec, where, `schema: ${ajvErrors(validate.errors)}`);
        return;
    }
    if (isJson) {
        const extra = [];
        undocumented(value, m.media.schema, "", extra);
        if (extra.length > 0)
            mismatch(rec, where, `undocumented member(s): ${[...new Set(extra.map((p) => p.replace(/\/\d+(?=\/|$)/g, "/*")))].join(", ")}`);
    }
}

function checkRecord(rec) {
    checked++;
    const method = rec.method.toUpperCase();
    const t = matchPath(rec.path);
    if (!t) {
        if (rec.status !== 404) {
            // One mismatch per route, whatever the status and the names in it.
            mismatch(rec, `${method} ${routeShape(rec.path)}`, "the server answers this path (not with the router's 404) but openapi.yaml has no such path: an undocumented route");
            return;
        }
        checkBody(rec, `${method} (unknown path) -> 404`, { content: { "application/json": { schema: { $ref: "#/components/schemas/ErrorResponse" } } } }, "unknown-path");
        return;
    }
    const opMethod = method === "HEAD" && !t.item.head ? "get" : method.toLowerCase();
    const op = METHODS.includes(opMethod) ? t.item[opMethod] : undefined;
    if (!op) {
        if (rec.status !== 405) {
            mismatch(rec, `${method} ${t.tpl}`, "the server answers this method (not with the router's 405) but openapi.yaml has no such operation on this path: an undocumented operation");
            return;
        }
        const resp = deref({ $ref: "#/components/responses/MethodNotAllowed" });
        checkBody(rec, `${method} ${t.tpl} -> 405 MethodNotAllowed`, resp, "method-not-allowed");
        return;
    }
    const opName = op.operationId || `${opMethod.toUpperCase()} ${t.tpl}`;
    seenOps.add(`${opMethod.toUpperCase()} ${t.tpl}`);
    const r = responseFor(op, rec.status);
    const where = `${opName} (${opMethod.toUpperCase()} ${t.tpl}) -> ${rec.status}`;
    if (!r) {
        mismatch(rec, where, `status ${rec.status} is not among the documented responses (${Object.keys(op.responses || {}).join(", ")}) and there is no default`);
        return;
    }
    checkBody(rec, `${where} [${r.key}]`, r.resp, `${opMethod} ${t.tpl} ${r.key}`);
}

let lines = 0;
for (const p of logPaths) {
    if (!existsSync(p)) continue;
    const text = readFileSync(p, "utf8");
    for (const [i, line] of text.split("\n").entries()) {
        if (line.trim() === "") continue;
        lines++;
        let rec;
        try {
            rec = JSON.parse(line);
        } catch (e) {
            console.error(`${p}:${i + 1}: not JSON (${e.message})`);
            mismatches.set(`log ${p}:${i + 1}`, { where: `${p}:${i + 1}`, problem: "unreadable log line", count: 1, suites: new Set(), example: "" });
            continue;
        }
        checkRecord(rec);
    }
}

// --- report -------------------------------------------------------------------------

const allOps = [];
for (const t of templates)
    for (const m of METHODS) if (t.item[m]) allOps.push(`${m.toUpperCase()} ${t.tpl}`);
const unseen = allOps.filter((o) => !seenOps.has(o)).sort();

if (checked === 0) {
    console.log(`contract: no responses recorded in ${logPaths.join(", ")}: nothing was checked`);
    process.exit(1);
}
const sorted = [...mismatches.values()].sort((a, b) => a.where.localeCompare(b.where));
for (const m of sorted) {
    console.log(`MISMATCH ${m.where}`);
    console.log(`    ${m.problem}`);
    const statuses = [...m.statuses].sort().join(", ");
    console.log(`    seen ${m.count}x (status ${statuses}), e.g. ${m.example} (${[...m.suites].sort().join(", ")})`);
}
if (unseen.length > 0) {
    console.log(`operations no recorded response exercised (${unseen.length}; not a failure):`);
    for (const o of unseen) console.log(`    ${o}`);
}
const total = sorted.reduce((n, m) => n + m.count, 0);
console.log(
    `contract: ${checked} responses checked against ${specPath} (${seenOps.size} of ${allOps.length} operations seen): ` +
        (sorted.length === 0 ? "all match" : `${sorted.length} distinct mismatch(es) in ${total} response(s)`),
);
process.exit(sorted.length === 0 ? 0 : 1);
