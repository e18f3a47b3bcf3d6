// Loads GGUF files in llama.cpp (the prebuilt CPU library inside the npm package
// node-llama-cpp 3.21.1) and decodes greedily from a prompt: the check that files written by
// `llmlab-cli quantize` load there and run as they run in llmlab. Never used by the tests.
//
// usage: node scripts/bench/quant_llamacpp.mjs --prompt TEXT --tokens N MODEL.gguf ...
// prints one JSON line a file: {model, loaded, ids, text | error}
import path from "node:path";
import { pathToFileURL } from "node:url";

const args = process.argv.slice(2);
const value = (name, fallback) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args.splice(i, 2)[1] : fallback;
};
const prompt = value("prompt", "Once upon a time");
const nTokens = Number(value("tokens", "24"));
const dir = process.env.NODE_LLAMA_CPP_DIR ?? path.resolve("build/peers");
const { getLlama, LlamaLogLevel } = await import(
    pathToFileURL(path.join(dir, "node_modules/node-llama-cpp/dist/index.js")).href);
const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error,
                               maxThreads: 2 });
for (const modelPath of args) {
    try {
        const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
        const context = await model.createContext({ contextSize: 256, threads: 2 });
        const sequence = context.getSequence();
        const ids = model.tokenize(prompt);
        const bos = model.tokens.bos;
        const input = bos != null && ids[0] !== bos ? [bos, ...ids] : ids;
        const out = [];
        for await (const token of sequence.evaluate(input, { temperature: 0 })) {
            out.push(token);
            if (out.length >= nTokens) break;
        }
        console.log(JSON.stringify({ model: modelPath, loaded: true, ids: out.map(Number),
                                     text: prompt + model.detokenize(out) }));
        await context.dispose();
        await model.dispose();
    } catch (e) {
        console.log(JSON.stringify({ model: modelPath, loaded: false, error: String(e.message ?? e) }));
    }
}
await llama.dispose();
