#!/usr/bin/env python3
"""llama.cpp's quantizer as a peer: llama_model_quantize from the libllama inside the npm
package node-llama-cpp 3.21.1 (build/peers), called through ctypes, timed. For
docs/BENCHMARKS.md and docs/QUANTIZATION.md; never used by the tests.

usage: scripts/bench/quantize_llamacpp.py IN.gguf OUT.gguf FTYPE [--threads 2] [--pure]
FTYPE is llama.cpp's name (Q4_K_M, Q8_0, ...). Prints one JSON line: {seconds, bytes}.
"""
import ctypes
import glob
import json
import os
import sys
import time

FTYPES = {"F32": 0, "F16": 1, "Q4_0": 2, "Q4_1": 3, "Q8_0": 7, "Q5_0": 8, "Q5_1": 9,
          "Q2_K": 10, "Q3_K_S": 11, "Q3_K_M": 12, "Q3_K_L": 13, "Q4_K_S": 14, "Q4_K_M": 15,
          "Q5_K_S": 16, "Q5_K_M": 17, "Q6_K": 18, "BF16": 32}


class Params(ctypes.Structure):
    # llama_model_quantize_params begins { int32 nthread; int32 ftype; int32 output_tensor_type;
    # int32 token_embedding_type; bool allow_requantize; bool quantize_output_tensor;
    # bool only_copy; bool pure; ... }; the rest (pointers) is kept as the defaults left it.
    _fields_ = [("nthread", ctypes.c_int32), ("ftype", ctypes.c_int32),
                ("output_tensor_type", ctypes.c_int32), ("token_embedding_type", ctypes.c_int32),
                ("allow_requantize", ctypes.c_bool), ("quantize_output_tensor", ctypes.c_bool),
                ("only_copy", ctypes.c_bool), ("pure", ctypes.c_bool),
                ("rest", ctypes.c_byte * 240)]


def main():
    args = sys.argv[1:]
    threads = int(args[args.index("--threads") + 1]) if "--threads" in args else 2
    pure = "--pure" in args
    src, dst, ftype = [a for a in args if not a.startswith("--") and not a.isdigit()][:3]
    peers = os.environ.get("NODE_LLAMA_CPP_DIR", "build/peers")
    bins = glob.glob(os.path.join(peers, "node_modules/@node-llama-cpp/linux-x64/bins/*"))[0]
    for lib in ("libggml-base.so", "libggml.v0.4.0.so", "libllama.v0.4.0.so"):
        ctypes.CDLL(os.path.join(bins, lib), mode=ctypes.RTLD_GLOBAL)
    ggml = ctypes.CDLL(os.path.join(bins, "libggml.v0.4.0.so"))
    llama = ctypes.CDLL(os.path.join(bins, "libllama.v0.4.0.so"))
    ggml.ggml_backend_load_all_from_path(bins.encode())
    llama.llama_backend_init()
    llama.llama_model_quantize_default_params.restype = Params
    p = llama.llama_model_quantize_default_params()
    if not p.quantize_output_tensor:  # the layout assumed above does not hold
        sys.exit("llama_model_quantize_params is not laid out as this script expects")
    p.nthread = threads
    p.ftype = FTYPES[ftype]
    p.pure = pure
    llama.llama_model_quantize.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(Params)]
    t0 = time.perf_counter()
    rc = llama.llama_model_quantize(src.encode(), dst.encode(), ctypes.byref(p))
    seconds = time.perf_counter() - t0
    if rc != 0:
        sys.exit(f"llama_model_quantize failed ({rc})")
    print(json.dumps({"engine": "llama.cpp (node-llama-cpp 3.21.1)", "ftype": ftype,
                      "threads": threads, "seconds": seconds, "bytes": os.path.getsize(dst)}))


main()
