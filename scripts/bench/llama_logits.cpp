// llama.cpp's own logits for one canvas of token ids, for comparing quantized GGUFs with Unmask
// (scripts/bench/compare-gguf-logits.sh builds and runs it against a llama.cpp build).
//
//   llama_logits MODEL.gguf ID,ID,... OUT.f32 [THREADS]
//
// One non-causal decode of the whole canvas (as llama-diffusion-cli runs a step), every row's
// logits written as float32 [T, V], row-major.
#include "llama.h"

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

int main(int argc, char ** argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: %s MODEL.gguf ID,ID,... OUT.f32 [THREADS]\n", argv[0]);
        return 2;
    }
    std::vector<llama_token> tokens;
    std::stringstream list(argv[2]);
    for (std::string id; std::getline(list, id, ',');) tokens.push_back(std::atoi(id.c_str()));
    const int n = (int) tokens.size();
    const int threads = argc > 4 ? std::atoi(argv[4]) : 2;

    llama_backend_init();
    llama_model * model = llama_model_load_from_file(argv[1], llama_model_default_params());
    if (!model) { std::fprintf(stderr, "%s: cannot load\n", argv[1]); return 1; }
    llama_context_params params = llama_context_default_params();
    params.n_ctx = params.n_batch = params.n_ubatch = n;
    params.n_threads = params.n_threads_batch = threads;
    llama_context * ctx = llama_init_from_model(model, params);
    if (!ctx) { std::fprintf(stderr, "%s: cannot make a context\n", argv[1]); return 1; }
    llama_set_causal_attn(ctx, false);

    llama_batch batch = llama_batch_init(n, 0, 1);
    for (int i = 0; i < n; i++) {
        batch.token[i] = tokens[i];
        batch.pos[i] = i;
        batch.n_seq_id[i] = 1;
        batch.seq_id[i][0] = 0;
        batch.logits[i] = 1;
    }
    batch.n_tokens = n;
    if (llama_decode(ctx, batch) != 0) { std::fprintf(stderr, "decode failed\n"); return 1; }
    const int vocab = llama_vocab_n_tokens(llama_model_get_vocab(model));
    std::FILE * out = std::fopen(argv[3], "wb");
    if (!out) { std::fprintf(stderr, "%s: cannot write\n", argv[3]); return 1; }
    for (int i = 0; i < n; i++) std::fwrite(llama_get_logits_ith(ctx, i), sizeof(float), vocab, out);
    std::fclose(out);
    llama_batch_free(batch);
    llama_free(ctx);
    llama_model_free(model);
    return 0;
}
