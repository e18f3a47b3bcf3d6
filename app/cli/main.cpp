// llmlab-cli: the lab's jobs without a window.
#include "Cli.h"

#include <cstdio>
#include <exception>
#include <map>
#include <stdexcept>
#include <vector>

namespace {

const char* kUsage = R"(usage: llmlab-cli COMMAND [options]

commands:
  devices                      list the backends and their devices
  bench ops [--backend B] [--reps N] [--sizes 256,512,...]
                               matmul GFLOP/s on each backend, beside Eigen's own GEMM
  bench train [--preset nanda|quick] [--steps N] [--backend B]
                               training steps/s (full batch: forward, backward, AdamW)
  bench decode MODEL [--tokens N] [--backend B] [--mlock] [--no-mmap]
  bench prompt MODEL [--tokens N] [--reps N] [--backend B] [--mlock] [--no-mmap]
                               tokens/s decoding through the KV cache / of one prompt batch;
                               --mlock pins the mapped weights in RAM first,
                               --no-mmap reads them into memory instead of mapping
  bench ablate MODEL [--tokens N] [--recompile K] [--backend B] [--mlock]
                               every head zero-ablated in turn through the hooks (one
                               compiled pass), beside a pass recompiled per head (K measured)
  bench finetune MODEL --data FILE [--method lora|full|top] [--quant TYPE] [--rank R]
        [--targets P] [--batch B] [--seq T] [--steps N] [--accumulate N] [--checkpointing]
                               training tokens/s (forward, backward, AdamW) of a fine-tune,
                               and the bytes of its step's buffers
  bench patch MODEL [--tokens N] [--runs K] [--exact] [--backend B] [--mlock]
                               attribution patching (one backward pass) beside exact
                               activation patching (K runs timed and extrapolated, or all)
  bench landscape [--preset nanda|quick] [--grid N] [--split val|train|both]
                               grid points/s of a landscape of the toy model
  bench make-model --shape stories110m|tinyllama --type F32|F16|BF16|Q8_0|Q4_0|Q4_K|Q6_K
        --vocab VOCAB.gguf --out FILE.gguf [--seed N]
                               a random-weight llama GGUF at a real model's shape, with the
                               tokenizer of VOCAB (a 32000-token llama vocab), for comparisons
  check ops [--device N] [--op NAME]
                               every op on Vulkan against the CPU reference (NMSE)
  train [--preset quick|nanda] [--task add|sub|mul|div|quad|s5] [--p N]
        [--train-fraction F] [--seed N] [--layers N] [--d-model N] [--heads N]
        [--d-mlp N] [--activation relu|gelu] [--layer-norm] [--tied] [--lr X]
        [--wd X] [--beta1 X] [--beta2 X] [--warmup N] [--cosine] [--clip X]
        [--batch N] [--grokfast] [--steps N] [--eval-every N]
        [--checkpoint-every N] [--checkpoint-seconds S] [--backend cpu|vulkan] [--out DIR]
        [--resume DIR] [--until-grokked] [--export FILE.gguf|FOLDER]
                               train a toy transformer on a modular-arithmetic task
  train-lm --out FILE.gguf [--task rule|lookup|add|text] [--text FILE] [--steps N]
        [--tokenizer char|bpe] [--bpe-vocab N]
        [--batch N] [--seq-len N] [--layers N] [--d-model N] [--heads N] [--d-ff N]
        [--lr X] [--warmup N] [--seed N] [--backend cpu|vulkan] [--quiet]
                               next-token training of a tiny llama-style model (RMSNorm,
                               RoPE, SwiGLU) with the lab's character tokenizer: in-context
                               rule or lookup episodes, scratchpad addition, or a text file
                               (characters, or a byte-level BPE of N entries trained on it)
  compare MODEL --tasks FILE.jsonl|builtin:NAME [--strategies zero,few:3,cot,sc:5]
        [--temp X] [--seed N] [--questions N] [--max-tokens N] [--template TEXT]
        [--chat|--no-chat] [--no-reuse] [--gemm] [--ctx N] [--out FILE.csv|FILE.json]
        [--json] [--verbose] [--backend cpu|vulkan]
                               prompting strategies side by side: accuracy with Wilson
                               95% intervals, tokens per right answer, votes; the CPU
                               runs batch-invariant kernels (--gemm: the faster blocked
                               GEMM, whose bits depend on the batch); built-in
                               sets: past-tense, roish, kinship, sentiment, arithmetic,
                               analogies, toy-rule, toy-lookup, toy-add
  sweep SPEC.json|preset:NAME --out DIR [--jobs N] [--threads N] [--text FILE]
        [--run-index I] [--mpi] [--emit-slurm] [--merge] [--list] [--json] [--quiet]
                               a grid of training runs in one folder (run-NNNN/, sweep.json,
                               results.csv, fits.json), resumable (run it again), in parallel
                               over cores, MPI ranks (mpirun -n N ... --mpi) or a Slurm job
                               array (--emit-slurm); then the fits: L(C), L(N), IsoFLOP,
                               N_opt(C), Chinchilla; the grokking phases; the double-descent
                               peak. Presets: scaling-quick, scaling-bpe, grokking-phases,
                               double-descent-features, double-descent-width
  cost MODEL|7B|13B|30B|70B|110B|8x7B|8x22B [--context N] [--batch N]
        [--kv-type F32|F16|BF16|Q8_0|Q4_0] [--train-seq N] [--train-batch N]
        [--no-checkpointing] [--lora-rank N] [--targets REGEX] [--measure] [--json]
  cost --table [--lora-rank N] [--train-seq N] [--json]
                               what a model costs from its real tensors: weights at each
                               storage type, the KV cache by context, a training step's
                               memory (full AMP, full 16-bit, LoRA, QLoRA 8/4/2), FLOPs a
                               token; --table: the course's VRAM table beside ours;
                               --measure: the resident memory of a run beside the prediction
  quantize MODEL --type TYPE --out FILE.gguf [--pure] [--imatrix TEXT]
        [--imatrix-tokens N] [--chunk N] [--threads N] [--tokenizer FILE]
        [--backend cpu|vulkan] [--quiet]
                               writes any model (GGUF, llama2.c, Hugging Face llama/qwen2/
                               gpt2, a toy model) as a GGUF of one of llama.cpp's types: F32,
                               F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K_S/M/L,
                               Q4_K_S/M, Q5_K_S/M, Q6_K, with llama.cpp's mixture rules (output
                               at Q6_K, attn_v/ffn_down more bits in the _M sizes) or --pure;
                               --imatrix: rounding weighted by the mean squared activation of
                               each column, measured on TEXT by our engine
  quant-compare REF.gguf A.gguf [B.gguf ...] [--text FILE] [--tokens N] [--decode N]
        [--chunk N] [--no-lens] [--backend cpu|vulkan] [--json] [--quiet]
                               a quantization ladder side by side on a text (the bundled
                               corpus by default): per-tensor RMSE and SNR, KL divergence to
                               the reference per position, top-1 agreement, perplexity, the
                               logit lens's KL by layer, file size and decode tokens/s
  attribute MODEL --prompt TEXT --target TOKEN [--versus TOKEN] [--ablate zero|mean]
        [--reference FILE] [--backend cpu|vulkan] [--json]
                               direct logit attribution: each head's and MLP's share of
                               logit(target) - logit(versus) at the last token (through the
                               final norm, its scale frozen), the residual stream layer by
                               layer; --ablate: each head ablated in turn (mean: over the
                               prompt, or over every position of --reference FILE's lines)
  attribute MODEL --prompt TEXT --graph [--threshold 0.04] [--json]
                               the contribution graph's information flow routes to the last
                               token's prediction (Ferrando & Voita 2024): edges through heads
                               and FFNs above the threshold, the tokens each block promotes
  patch MODEL --clean TEXT --corrupt TEXT --target TOKEN --versus TOKEN
        [--method exact|gradient|both] [--backend cpu|vulkan] [--json]
                               activation patching: the clean run's residual stream patched
                               into the corrupted run at each (layer, position), head outputs
                               at each (layer, head); the fraction of the logit difference
                               recovered (prompts of the same token length); gradient: the
                               attribution-patching estimate (one backward pass); both: the
                               two and their correlation
  finetune MODEL --data FILE [--method lora|full|top|head] [--rank 8] [--alpha 16]
        [--schedule constant|cosine] [--warmup N]
        [--targets 'q_proj|v_proj'] [--lora-dropout 0.05] [--top 2] [--steps 100] [--batch 4]
        [--seq 64] [--accumulate N] [--checkpointing] [--lr 1e-3] [--eval-every 20]
        [--reference FILE] [--out RUN] [--merge OUT.gguf|DIR] [--peft DIR] [--adapter DIR]
        [--quant Q8_0|Q4_0|Q4_K|...] [--classify TEXT] [--backend B]
  finetune --resume RUN [--steps N]   goes on from RUN's last checkpoint (after kill -9 too)
                               fine-tunes the model on a text: every weight, the top blocks, or
                               LoRA adapters (B = 0 at first) on the matrices named; the loss
                               on the text's held-out tenth and on --reference (forgetting) as
                               it goes; RUN/metrics.csv and an atomic checkpoint at every
                               evaluation; --merge: a GGUF with them folded in (or a
                               Hugging Face folder, from one);
                               --peft: the adapter in PEFT's layout; --adapter: start from one;
                               --quant: QLoRA (the base quantized first, trained on packed);
                               --accumulate: micro-batches a step; --checkpointing: recompute
                               each block in the backward pass (less memory);
                               --method head: a classifier on the frozen model's features,
                               from lines of label<TAB>text, with held-out accuracy
  landscape RUN [--directions random|pca|line] [--checkpoint K|final] [--grid N]
        [--range X] [--split val|train|both] [--seed N] [--tensors REGEX] [--keep-1d]
        [--no-filter-norm] [--from K] [--to K] [--slice K/N] [--mpi] [--no-cache]
        [--no-sharpness] [--out FILE.csv] [--backend cpu|vulkan] [--quiet]
                               the loss around a run's weights on a grid (a line for
                               --directions line: init -> final by default), with the
                               training path projected on it; cached in RUN/landscapes,
                               resumed after a stop; --slice computes every N-th row from
                               the K-th, --mpi splits the grid across mpirun's ranks
  landscape MODEL --tensors REGEX (--text FILE | --prompt TEXT) --out FILE.csv
        [--grid N] [--range X] [--seed N] [--tokens N] [--slice K/N] [--mpi]
                               an opened model's next-token loss on a text around its
                               weights, moving only the tensors REGEX picks
                               (e.g. 'blk\.3\.ffn_'); one pass is timed first and
                               the estimate printed
  landscape-merge OUT.csv SLICE.csv [SLICE.csv ...]
                               joins slices into the CSV one process would write
  inspect PATH [--json] [--tensors] [--stats NAME [--bins N]]
                               a model's anatomy, parameter share and tensor table;
                               --tensors the table only, --stats one tensor's statistics
  models [--json]              the models found in Ollama's store and the Hugging Face cache
  tokenize MODEL|TOKENIZER --prompt TEXT [--chat] [--tokenizer FILE] [--plain-special]
                               the prompt's token ids and pieces; TOKENIZER is a
                               tokenizer.json, a folder with one, or a vocab-only GGUF.
                               Special tokens typed in the text ("<|im_start|>") are
                               recognised unless --plain-special
  run MODEL --prompt TEXT [-n N] [--chat] [--temp X] [--top-k N] [--top-p X]
        [--min-p X] [--repeat-penalty X] [--seed N] [--ctx N] [--logits]
        [--dump-attention DIR] [--backend cpu|vulkan] [--tokenizer FILE] [--plain-special]
        [--adapter PEFT_DIR]
                               generate text (streamed); --logits prints each token's
                               id and log-probability; --dump-attention writes the
                               prompt's attention as CSV per layer and head
  help                         this text

options for all commands:
  --device N                   Vulkan device index (default: env LLMLAB_VULKAN_DEVICE,
                               else a discrete GPU first, then integrated, then lavapipe)
)";

} // namespace

namespace llmlab::cli {

std::string option(const Args& args, const std::string& name, const std::string& fallback) {
    // "--name value" or "--name=value"; one-letter names also as "-n value".
    std::vector<std::string> keys = {"--" + name};
    if (name.size() == 1) keys.push_back("-" + name);
    for (std::size_t i = 0; i < args.size(); ++i)
        for (const std::string& key : keys) {
            if (args[i] == key && i + 1 < args.size()) return args[i + 1];
            if (args[i].rfind(key + "=", 0) == 0) return args[i].substr(key.size() + 1);
        }
    return fallback;
}

bool flag(const Args& args, const std::string& name) {
    for (const auto& a : args)
        if (a == "--" + name) return true;
    return false;
}

} // namespace llmlab::cli

int main(int argc, char** argv) {
    using namespace llmlab::cli;
    if (argc < 2) {
        std::fputs(kUsage, stderr);
        return 2;
    }
    const std::string command = argv[1];
    const Args args(argv + 2, argv + argc);
    const std::map<std::string, int (*)(const Args&)> commands = {
        {"devices", devices},     {"bench", bench},
        {"check", check},         {"train", train},
        {"train-lm", trainLm},    {"compare", compare},
        {"tokenize", tokenize},   {"run", run},
        {"inspect", inspect},     {"models", models},
        {"landscape", landscape}, {"landscape-merge", landscapeMerge},
        {"sweep", sweep},         {"cost", cost},
        {"quantize", quantize},   {"quant-compare", quantCompare},
        {"attribute", attribute}, {"patch", patch}, {"finetune", finetune}};
    if (command == "help" || command == "--help" || command == "-h") {
        std::fputs(kUsage, stdout);
        return 0;
    }
    const auto it = commands.find(command);
    if (it == commands.end()) {
        std::fprintf(stderr, "llmlab-cli: unknown command '%s'\n\n%s", command.c_str(), kUsage);
        return 2;
    }
    try {
        validateOptions(command, args);
    } catch (const std::invalid_argument& e) {
        std::fprintf(stderr, "llmlab-cli %s: %s\n", command.c_str(), e.what());
        return 2;
    }
    try {
        return it->second(args);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "llmlab-cli %s: %s\n", command.c_str(), e.what());
        return 1;
    }
}
