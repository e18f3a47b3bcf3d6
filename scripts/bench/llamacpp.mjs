// Times llama.cpp (the prebuilt CPU library inside the npm package node-llama-cpp 3.21.1) on a
// GGUF the way `llmlab-cli bench prompt|decode` times llmlab: one batch of N prompt tokens
// (the same token ids), then greedy decoding one token at a time. A peer for
// docs/BENCHMARKS.md; never used by the tests.
//
// usage: node scripts/bench/llamacpp.mjs MODEL.gguf [--prompt 128] [--decode 64] [--threads 2]
//                                              [--reps 5] [--mlock] [--no-mmap] [--vulkan]
// --vulkan: node-llama-cpp's prebuilt Vulkan build with every layer on the device (the first
// Vulkan device the loader lists: point VK_DRIVER_FILES at lavapipe to compare on it).
// NODE_LLAMA_CPP_DIR: the folder npm installed node-llama-cpp into (scripts/bench/compare.sh
// sets it up under build/peers).
import path from "node:path";
import { pathToFileURL } from "node:url";

const args = process.argv.slice(2);
const opt = (name, fallback) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? Number(args[i + 1]) : fallback;
};
const modelPath = args[0];
if (!modelPath) {
    console.error("usage: node llamacpp.mjs MODEL.gguf [--prompt N] [--decode N] [--threads N]");
    process.exit(2);
}
const nPrompt = opt("prompt", 128), nDecode = opt("decode", 64), threads = opt("threads", 2);
const vocab = opt("vocab", 32000);

const dir = process.env.NODE_LLAMA_CPP_DIR ?? path.resolve("build/peers");
const { getLlama, LlamaLogLevel } = await import(
    pathToFileURL(path.join(dir, "node_modules/node-llama-cpp/dist/index.js")).href);

const vulkan = args.includes("--vulkan");
const llama = await getLlama({ gpu: vulkan ? "vulkan" : false, build: "never",
                               logLevel: LlamaLogLevel.error, maxThreads: threads });
// --mlock pins the mapped weights in RAM, --no-mmap reads them into memory: the same options
// as `llmlab-cli bench`.
const model = await llama.loadModel({ modelPath, gpuLayers: vulkan ? "max" : 0, useMlock: args.includes("--mlock"),
                                      useMmap: !args.includes("--no-mmap") });
const context = await model.createContext({ contextSize: 512, batchSize: 512, threads });
const sequence = context.getSequence();

// The ids llmlab-cli's prompt bench uses: (i * 7919 + 1) mod vocab.
const ids = Array.from({ length: nPrompt }, (_, i) => (i * 7919 + 1) % vocab);
const seconds = (t0) => (performance.now() - t0) / 1000;

await sequence.evaluateWithoutGeneratingNewTokens(ids); // warm-up
// The median of several runs, as llmlab-cli bench prompt reports.
const times = [];
let t0;
for (let r = 0; r < opt("reps", 5); ++r) {
    await sequence.clearHistory();
    t0 = performance.now();
    await sequence.evaluateWithoutGeneratingNewTokens(ids);
    times.push(seconds(t0));
}
times.sort((a, b) => a - b);
const promptRate = nPrompt / times[Math.floor(times.length / 2)];
await sequence.clearHistory();

// Decode: BOS, one warm-up token, then nDecode greedy tokens timed.
let count = 0;
for await (const token of sequence.evaluate([1], { temperature: 0 })) {
    void token;
    if (count === 1) t0 = performance.now();
    if (++count > nDecode + 1) break;
}
const decodeRate = nDecode / seconds(t0);

console.log(JSON.stringify({ engine: "llama.cpp (node-llama-cpp 3.21.1)", model: modelPath,
                             backend: vulkan ? "vulkan" : "cpu",
                             threads, promptTokens: nPrompt, promptRate,
                             decodeTokens: nDecode, decodeRate }));
await context.dispose();
await model.dispose();
await llama.dispose();
