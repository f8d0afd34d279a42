// Parse Mermaid diagrams with the mermaid package's own parser: each argument is a `.mmd` file
// (one diagram) or a Markdown file (every ```mermaid block). Exit 1 if any fails.
import { readFileSync } from "node:fs";
import { JSDOM } from "jsdom";

const dom = new JSDOM("<!DOCTYPE html><body></body>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
for (const k of ["Element", "HTMLElement", "Node", "DOMParser", "XMLSerializer"]) {
  globalThis[k] = dom.window[k];
}
const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });

function diagrams(file) {
  const text = readFileSync(file, "utf8");
  if (file.endsWith(".mmd")) return [text];
  const out = [];
  const re = /^```mermaid\n([\s\S]*?)^```$/gm;
  let m;
  while ((m = re.exec(text)) !== null) out.push(m[1]);
  return out;
}

let count = 0;
let failed = 0;
for (const file of process.argv.slice(2)) {
  for (const [i, d] of diagrams(file).entries()) {
    count++;
    try {
      const r = await mermaid.parse(d, { suppressErrors: false });
      if (!r || r.diagramType !== "flowchart-v2") {
        throw new Error(`not a flowchart: ${r && r.diagramType}`);
      }
    } catch (e) {
      failed++;
      console.error(`${file} (diagram ${i + 1}): ${String(e && e.message ? e.message : e).slice(0, 600)}`);
    }
  }
}
console.log(`mermaid: ${count - failed} of ${count} diagrams parse`);
process.exit(failed ? 1 : 0);
