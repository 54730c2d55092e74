// Optional cross-check (not run by CI): encodes the fixture texts with @huggingface/tokenizers (tokenizers.js)
// from a tokenizer.json, with the normalizer/pre-tokenizer DebertaV2Converter writes for do_lower_case and
// split_by_punct, and prints one JSON line per text: {"text", "input_ids"}.
// Usage: npm install @huggingface/tokenizers@0.2.0 (anywhere on NODE_PATH), then
//   node tests/tools/tokenizers-js-variants.mjs tests/fixtures/tokenizer [--lower] [--split-punct]
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Tokenizer } from "@huggingface/tokenizers";

const [folder, ...flags] = process.argv.slice(2);
const json = JSON.parse(readFileSync(join(folder, "tokenizer.json"), "utf8"));
if (flags.includes("--lower")) json.normalizer.normalizers.unshift({ type: "Lowercase" });
if (flags.includes("--split-punct")) json.pre_tokenizer.pretokenizers.unshift({ type: "Punctuation", behavior: "Isolated" });
const tokenizer = new Tokenizer(json, {});
const refs = JSON.parse(readFileSync(join(folder, "tokenizer_refs.json"), "utf8"));
for (const single of refs.variants[0].singles) {
  const encoded = tokenizer.encode(single.text);
  console.log(JSON.stringify({ text: single.text, input_ids: encoded.ids }));
}
