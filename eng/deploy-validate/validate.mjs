// Checks every Kubernetes object in the given YAML files against the Kubernetes OpenAPI
// schemas shipped in the npm package kubernetes-models (types, required fields, enums,
// formats). Used by tests/SinGanSeg.Deploy.Tests; install with eng/test.sh.
// usage: node eng/deploy-validate/validate.mjs --modules <dir with node_modules> file.yaml...
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import path from "node:path";

const args = process.argv.slice(2);
let modules = path.resolve(import.meta.dirname, "../../.tools/deploy-validate");
if (args[0] === "--modules") {
  modules = path.resolve(args[1]);
  args.splice(0, 2);
}
// The packages live in .tools/, not next to this script: resolve them from there.
const require = createRequire(path.join(modules, "package.json"));
const resolveModule = (id) => pathToFileURL(require.resolve(id)).href;
let YAML;
try {
  YAML = await import(resolveModule("yaml"));
} catch (e) {
  console.error(`deploy-validate: npm packages missing in ${modules} (run eng/test.sh): ${e.message}`);
  process.exit(2);
}

let objects = 0;
const errors = [];
for (const file of args) {
  const docs = YAML.parseAllDocuments(readFileSync(file, "utf8"));
  for (const [index, doc] of docs.entries()) {
    const where = `${file} (document ${index + 1})`;
    if (doc.errors.length > 0) {
      errors.push(`${where}: YAML: ${doc.errors.map((e) => e.message).join("; ")}`);
      continue;
    }
    const obj = doc.toJS();
    if (obj === null || obj === undefined) continue;
    const { apiVersion, kind } = obj;
    const name = obj.metadata?.name ?? "?";
    if (typeof apiVersion !== "string" || typeof kind !== "string") {
      errors.push(`${where}: not a Kubernetes object (apiVersion/kind missing)`);
      continue;
    }
    // core/v1 lives at kubernetes-models/v1/Kind, others at kubernetes-models/<group>/<version>/Kind.
    // (a file path: the package's exports are import-only, which require.resolve cannot map).
    const modelFile = path.join(modules, "node_modules", "kubernetes-models", ...apiVersion.split("/"), `${kind}.js`);
    let model;
    try {
      model = (await import(pathToFileURL(modelFile).href))[kind];
    } catch {
      errors.push(`${where}: ${kind}/${name}: no schema for ${apiVersion} ${kind} in kubernetes-models`);
      continue;
    }
    try {
      new model(obj).validate();
      objects++;
    } catch (e) {
      const details = (e.errors ?? []).map((d) => `${d.instancePath || "/"} ${d.message ?? d.keyword} ${JSON.stringify(d.params ?? {})}`);
      errors.push(`${where}: ${kind}/${name}: ${details.length ? details.join("; ") : e.message}`);
    }
  }
}
for (const e of errors) console.error(e);
console.log(`deploy-validate: ${objects} objects valid, ${errors.length} errors`);
process.exit(errors.length === 0 ? 0 : 1);
