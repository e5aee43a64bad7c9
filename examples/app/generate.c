/* generate.c - a minimal application of a seqc-compiled model.
 *
 *   generate MODEL.so WEIGHTS PROMPT_IDS [N]
 *
 * Links only libseqrt (find_package(seqc) or pkg-config seqrt) and includes
 * only <seq/runtime.h>: open the model, prefill the prompt, decode greedily.
 */
#include <seq/runtime.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check(seq_status status, const char *what) {
  if (status == SEQ_OK)
    return 0;
  fprintf(stderr, "generate: %s failed: %s: %s\n", what,
          seq_status_string(status), seq_last_error());
  return 1;
}

static int argmax(const float *logits, size_t n) {
  size_t best = 0;
  for (size_t i = 1; i < n; ++i)
    if (logits[i] > logits[best])
      best = i;
  return (int)best;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: generate MODEL.so WEIGHTS ID,ID,... [N]\n");
    return 2;
  }
  int32_t prompt[256];
  size_t n = 0;
  for (char *tok = strtok(argv[3], ","); tok && n < 256;
       tok = strtok(NULL, ","))
    prompt[n++] = (int32_t)atoi(tok);
  int steps = argc > 4 ? atoi(argv[4]) : 8;

  seq_model *model = NULL;
  seq_session *session = NULL;
  if (check(seq_model_open(argv[1], argv[2], NULL, &model), "seq_model_open"))
    return 1;
  if (check(seq_session_create(model, NULL, &session), "seq_session_create")) {
    seq_model_close(model);
    return 1;
  }
  const float *logits = NULL;
  int rc = check(seq_prefill(session, prompt, n, &logits), "seq_prefill");
  size_t vocab = seq_model_vocab_size(model);
  printf("tokens:");
  for (int i = 0; rc == 0 && i < steps; ++i) {
    int next = argmax(logits, vocab);
    printf(" %d", next);
    if (i + 1 < steps)
      rc = check(seq_decode(session, next, &logits), "seq_decode");
  }
  printf("\n");
  seq_session_destroy(session);
  seq_model_close(model);
  return rc;
}
