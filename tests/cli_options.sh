#!/usr/bin/env bash
# Every llmlab-cli command refuses an unknown option, a missing value and a value of the wrong
# kind with one sentence on stderr and exit code 2, before doing any work.
set -uo pipefail
cli="$1"
fail=0
expect() { # expect "what it should say" command args...
    local want="$1"
    shift
    local err
    err=$("$cli" "$@" 2>&1 >/dev/null)
    local rc=$?
    if [ $rc -ne 2 ] || ! grep -qF -- "$want" <<<"$err" || [ "$(wc -l <<<"$err")" -ne 1 ]; then
        echo "FAIL: llmlab-cli $* -> exit $rc, said: $err (wanted: $want)" >&2
        fail=1
    fi
}
for command in devices check bench train tokenize run inspect models landscape landscape-merge \
    sweep cost quantize quant-compare attribute patch finetune; do
    expect "unknown option '--bogus-flag'" "$command" --bogus-flag 3
done
# A value of the wrong kind, a missing value, a flag given a value, one command each.
expect "--steps takes a whole number (got 'many')" train --steps many
expect "--lr takes a number (got 'fast')" train --lr fast
expect "--steps needs a value" train --steps
expect "--until-grokked takes no value" train --until-grokked=yes
expect "-n takes a whole number" run model.gguf -n lots
expect "--n takes a whole number" run model.gguf -n lots
expect "--grid takes a whole number (got '4.5')" landscape RUN --grid 4.5
expect "--range takes a number" landscape RUN --range wide
expect "--bins takes a whole number" inspect model.gguf --bins x
expect "--reps takes a whole number" bench ops --reps x
expect "unexpected argument 'extra'" models extra
expect "unknown option '-q'" tokenize model.gguf -q
expect "--lora-rank takes a whole number" cost 7B --lora-rank big
expect "'Q9_K' is not a quantization type; the types are Q2_K" quantize model.gguf --type Q9_K
expect "--imatrix-tokens takes a whole number" quantize model.gguf --imatrix-tokens all
expect "--tokens takes a whole number" quant-compare a.gguf b.gguf --tokens many
# The same options, well formed, get past the check (to the command's own errors, exit 1).
"$cli" train --steps 5 --lr 0.01 --p 7 --d-model 8 --heads 2 --d-mlp 8 --out "$(mktemp -d)/r" \
    >/dev/null 2>&1 || { echo "FAIL: a good train command was refused" >&2; fail=1; }
[ $fail -eq 0 ] && echo "every command refuses bad options"
exit $fail
