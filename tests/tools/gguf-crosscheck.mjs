// Cross-check: reads a GGUF written by our converter with @huggingface/gguf (an independent JavaScript reader)
// and prints its metadata count, a few keys and every tensor's name, type and shape.
// Usage: NODE_PATH=<folder with node_modules> node tests/tools/gguf-crosscheck.mjs model.gguf
import { createRequire } from "node:module";
import path from "node:path";
const require = createRequire(path.join(process.env.NODE_PATH ?? process.cwd(), "x.js"));
const { gguf } = require("@huggingface/gguf");

const file = path.resolve(process.argv[2]);
const { metadata, tensorInfos } = await gguf(file, { allowLocalFile: true });
console.log(`version ${metadata.version}, ${metadata.kv_count} keys, ${metadata.tensor_count} tensors`);
for (const key of ["general.architecture", "general.name", "general.file_type", "deberta-v2.block_count", "deberta-v2.classifier.output_labels"])
  console.log(`${key} = ${JSON.stringify(metadata[key], (_, v) => typeof v === "bigint" ? Number(v) : v)}`);
for (const t of tensorInfos) console.log(`${t.name} type=${t.dtype} shape=[${t.shape.map(Number).join(", ")}] offset=${t.offset}`);
