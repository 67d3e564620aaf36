// Self-test of validate.mjs on a small contract: what must pass passes and
// each kind of drift is reported. check.sh runs it before the real check.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

const SPEC = `
openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /things:
    get:
      operationId: Things_List
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/ThingList"}
        "401": {$ref: "#/components/responses/Error"}
  /things/{id}:
    get:
      operationId: Things_Get
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Thing"}
        "404": {$ref: "#/components/responses/Error"}
    delete:
      operationId: Things_Delete
      responses:
        "204": {description: gone}
        default: {$ref: "#/components/responses/Error"}
  /things/special:
    get:
      operationId: Things_Special
      responses:
        "200":
          description: ok
          content:
            text/plain; version=1:
              schema: {type: string}
components:
  responses:
    Error:
      description: error
      content:
        application/json:
          schema: {$ref: "#/components/schemas/ErrorResponse"}
    MethodNotAllowed:
      description: 405
      content:
        application/json:
          schema: {$ref: "#/components/schemas/ErrorResponse"}
  schemas:
    ErrorResponse:
      type: object
      required: [error]
      properties:
        error:
          type: object
          required: [code]
          properties:
            code: {type: string}
            message: {type: string}
    Base:
      type: object
      required: [id]
      properties:
        id: {type: string, format: uuid}
        count: {type: integer, format: int32}
    Thing:
      allOf:
        - $ref: "#/components/schemas/Base"
        - type: object
          required: [name]
          properties:
            name: {type: string}
            tags:
              type: object
              additionalProperties: {type: string}
            free: {type: object}
    ThingList:
      type: object
      required: [value]
      properties:
        value:
          type: array
          items: {$ref: "#/components/schemas/Thing"}
        nextLink: {type: string}
`;

const ID = "6f1d0b3e-2a4c-4b8e-9f7a-1c2d3e4f5a6b";
const thing = (extra = {}) => ({ id: ID, name: "a", tags: { x: "1" }, free: { any: { thing: 1 } }, ...extra });
const rec = (method, path, status, body, contentType = "application/json; charset=utf-8") => ({
    suite: "selftest",
    method,
    path,
    status,
    contentType: body === "" ? undefined : contentType,
    body: typeof body === "string" ? body : JSON.stringify(body),
});

function run(records) {
    const dir = mkdtempSync(join(tmpdir(), "contract-selftest-"));
    try {
        writeFileSync(join(dir, "spec.yaml"), SPEC);
        writeFileSync(join(dir, "log.jsonl"), records.map((r) => JSON.stringify(r)).join("\n") + (records.length ? "\n" : ""));
        try {
            const out = execFileSync(process.execPath, [join(here, "validate.mjs"), join(dir, "spec.yaml"), join(dir, "log.jsonl")], {
                encoding: "utf8",
            });
            return { code: 0, out };
        } catch (e) {
            return { code: e.status, out: `${e.stdout}${e.stderr}` };
        }
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}

test("responses that follow the contract pass", () => {
    const r = run([
        rec("GET", "/things?api-version=1", 200, { value: [thing()], nextLink: "https://h/things?$skipToken=x" }),
        rec("GET", `/THINGS/${ID}`, 200, thing()), // literal segments ignore case
        rec("GET", `/things/${ID}/`, 200, thing()), // one trailing slash
        rec("HEAD", `/things/${ID}`, 200, ""), // HEAD is GET without a body
        rec("GET", "/things/special", 200, "hello", "text/plain; version=1; charset=utf-8"), // the literal path wins
        rec("DELETE", `/things/${ID}`, 204, ""),
        rec("DELETE", `/things/${ID}`, 409, { error: { code: "Conflict" } }), // default
        rec("GET", "/nothing/here", 404, { error: { code: "NotFound", message: "no" } }), // the router's 404
        rec("PUT", "/things", 405, { error: { code: "MethodNotAllowed" } }), // the router's 405
    ]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /9 responses checked .*all match/);
});

test("a body that does not validate", () => {
    const r = run([rec("GET", `/things/${ID}`, 200, thing({ name: 5 }))]);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /MISMATCH Things_Get \(GET \/things\/\{id\}\) -> 200/);
    assert.match(r.out, /schema: \/name must be string/);
});

test("a format that does not hold (JSON Schema's and OpenAPI's)", () => {
    const r = run([
        rec("GET", `/things/${ID}`, 200, thing({ id: "not-a-uuid" })),
        rec("GET", `/things/${ID}/`, 200, thing({ count: 2 ** 40 })),
    ]);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /\/id must match format "uuid"/);
    assert.match(r.out, /\/count must match format "int32"/);
});

test("an undocumented member, also inside lists; free-form objects and maps stay open", () => {
    const r = run([
        rec("GET", `/things/${ID}`, 200, thing({ colour: "red" })),
        rec("GET", "/things", 200, { value: [thing(), thing({ size: 2 })] }),
    ]);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /undocumented member\(s\): \/colour/);
    assert.match(r.out, /undocumented member\(s\): \/value\/\*\/size/);
    assert.doesNotMatch(r.out, /\/tags|\/free/);
});

test("a status the operation does not document and no default", () => {
    const r = run([rec("GET", `/things/${ID}`, 500, { error: { code: "InternalServerError" } })]);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /status 500 is not among the documented responses \(200, 404\)/);
});

test("a route or an operation the contract does not have", () => {
    const r = run([
        rec("GET", "/widgets/1", 200, {}),
        rec("GET", "/widgets/2", 400, { error: { code: "Bad" } }),
        rec("POST", "/things", 200, {}),
        rec("GET", `/subscriptions/${ID}/resourceGroups/rg1/providers/Microsoft.Network/networkInterfaces/nic-1`, 200, {}),
        rec("PUT", `/subscriptions/${ID}/resourceGroups/RG2/providers/Microsoft.Network/networkInterfaces/nic-2`, 201, {}),
        rec("PUT", `/subscriptions/${ID}/resourceGroups/rg1/providers/Microsoft.Network/networkInterfaces/nic-3`, 400, {}),
    ]);
    assert.equal(r.code, 1, r.out);
    // ARM names folded: one mismatch per route and method.
    assert.match(r.out, /MISMATCH GET \/subscriptions\/\{name\}\/resourceGroups\/\{name\}\/providers\/Microsoft.Network\/networkInterfaces\/\{name\}\n/);
    assert.match(r.out, /MISMATCH PUT \/subscriptions\/\{name\}\/resourceGroups\/\{name\}\/providers\/Microsoft.Network\/networkInterfaces\/\{name\}\n.*\n.*seen 2x \(status 201, 400\)/);
    assert.match(r.out, /MISMATCH GET \/widgets\/1\n.*undocumented route/);
    assert.match(r.out, /MISMATCH GET \/widgets\/2\n.*undocumented route/);
    assert.match(r.out, /MISMATCH POST \/things\n.*undocumented operation/);
});

test("a Content-Type the response does not document, an empty body where one is documented", () => {
    const r = run([
        rec("GET", `/things/${ID}`, 200, "<html/>", "text/html"),
        rec("GET", "/things", 200, ""),
        rec("DELETE", `/things/${ID}`, 204, { error: { code: "x" } }),
    ]);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /Content-Type text\/html; the contract documents application\/json/);
    assert.match(r.out, /empty body, but the contract documents application\/json/);
    assert.match(r.out, /Things_Delete .*-> 204[\s\S]*the contract documents no body/);
});

test("a body that is not JSON, a 404 that is not the error envelope", () => {
    const r = run([
        rec("GET", `/things/${ID}`, 200, "{nope"),
        rec("GET", "/nothing/here", 404, { oops: true }),
    ]);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /the body is not JSON/);
    assert.match(r.out, /\(unknown path\) -> 404[\s\S]*must have required property 'error'/);
});

test("nothing recorded is a failure", () => {
    const r = run([]);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /nothing was checked/);
});
