// A tiny two-layer hybrid language model written directly in the seq dialect:
// the shape of Jamba/Samba-style models. Layer 0 is attention (RoPE, GQA with
// 4 query heads over 2 KV heads, SwiGLU MLP); layer 1 is a Mamba mixer
// (causal conv1d + selective scan) with its own MLP. RMSNorm throughout,
// separate embedding and LM head. Weight names follow Hugging Face's.
//
// Sizes: vocab 256, hidden 64, head dim 16, MLP 128, Mamba inner 128,
// state 16, conv 4 taps, dt rank 4, KV cache of 64 positions.
//
// Entry points share one state layout, passed in and returned:
//   k_cache, v_cache : tensor<1x64x2x16xf32>  (layer 0 keys/values by position)
//   conv_state       : tensor<1x128x3xf32>    (layer 1 last 3 conv inputs)
//   ssm_state        : tensor<1x128x16xf32>   (layer 1 scan state)
// `prefill` runs a prompt of any length starting at position %pos (0 for a
// new sequence) and returns logits for every prompt position; `decode` runs
// one token. `seq.state` pairs each state argument with the result that
// holds its next value (the runtime updates it in place), and
// `seq.max_positions` tells the runtime how long a session may grow.

module attributes {seq.max_positions = 64 : i64} {

// Attention block with residual: x + o_proj(attn(rope(q), rope(k), v)).
func.func private @attention_block(%x: tensor<1x?x64xf32>, %pos: index,
    %kc: tensor<1x64x2x16xf32>, %vc: tensor<1x64x2x16xf32>)
    -> (tensor<1x?x64xf32>, tensor<1x64x2x16xf32>, tensor<1x64x2x16xf32>) {
  %c1 = arith.constant 1 : index
  %s = tensor.dim %x, %c1 : tensor<1x?x64xf32>

  %norm_w = seq.weight "model.layers.0.input_layernorm.weight" : tensor<64xf32>
  %h = seq.rmsnorm %x, %norm_w {epsilon = 1.0e-6 : f32} : tensor<1x?x64xf32>, tensor<64xf32>

  %wq = seq.weight "model.layers.0.self_attn.q_proj.weight" : tensor<64x64xf32>
  %wk = seq.weight "model.layers.0.self_attn.k_proj.weight" : tensor<32x64xf32>
  %wv = seq.weight "model.layers.0.self_attn.v_proj.weight" : tensor<32x64xf32>
  %q2 = seq.linear %h, %wq : tensor<1x?x64xf32>, tensor<64x64xf32> -> tensor<1x?x64xf32>
  %k2 = seq.linear %h, %wk : tensor<1x?x64xf32>, tensor<32x64xf32> -> tensor<1x?x32xf32>
  %v2 = seq.linear %h, %wv : tensor<1x?x64xf32>, tensor<32x64xf32> -> tensor<1x?x32xf32>
  %q = tensor.expand_shape %q2 [[0], [1], [2, 3]] output_shape [1, %s, 4, 16] : tensor<1x?x64xf32> into tensor<1x?x4x16xf32>
  %k = tensor.expand_shape %k2 [[0], [1], [2, 3]] output_shape [1, %s, 2, 16] : tensor<1x?x32xf32> into tensor<1x?x2x16xf32>
  %v = tensor.expand_shape %v2 [[0], [1], [2, 3]] output_shape [1, %s, 2, 16] : tensor<1x?x32xf32> into tensor<1x?x2x16xf32>

  // Absolute positions pos .. pos+s-1.
  %positions = tensor.generate %s {
  ^bb0(%i: index):
    %p = arith.addi %i, %pos : index
    %p64 = arith.index_cast %p : index to i64
    tensor.yield %p64 : i64
  } : tensor<?xi64>
  %qr = seq.rope %q, %positions {theta = 10000.0 : f64} : tensor<1x?x4x16xf32>, tensor<?xi64>
  %kr = seq.rope %k, %positions {theta = 10000.0 : f64} : tensor<1x?x2x16xf32>, tensor<?xi64>

  // Append this step's keys and values to the cache; attend over pos+s keys.
  %kc2 = tensor.insert_slice %kr into %kc[0, %pos, 0, 0] [1, %s, 2, 16] [1, 1, 1, 1] : tensor<1x?x2x16xf32> into tensor<1x64x2x16xf32>
  %vc2 = tensor.insert_slice %v into %vc[0, %pos, 0, 0] [1, %s, 2, 16] [1, 1, 1, 1] : tensor<1x?x2x16xf32> into tensor<1x64x2x16xf32>
  %kv_len = arith.addi %pos, %s : index
  %o = seq.attention %qr, %kc2, %vc2 kv_length(%kv_len) {causal} : tensor<1x?x4x16xf32>, tensor<1x64x2x16xf32>, tensor<1x64x2x16xf32> -> tensor<1x?x4x16xf32>
  %o2 = tensor.collapse_shape %o [[0], [1], [2, 3]] : tensor<1x?x4x16xf32> into tensor<1x?x64xf32>
  %wo = seq.weight "model.layers.0.self_attn.o_proj.weight" : tensor<64x64xf32>
  %proj = seq.linear %o2, %wo : tensor<1x?x64xf32>, tensor<64x64xf32> -> tensor<1x?x64xf32>
  %y = arith.addf %x, %proj : tensor<1x?x64xf32>
  return %y, %kc2, %vc2 : tensor<1x?x64xf32>, tensor<1x64x2x16xf32>, tensor<1x64x2x16xf32>
}

// Mamba block with residual: x + out_proj(scan(conv(in_x), ...) * silu(z)).
func.func private @mamba_block(%x: tensor<1x?x64xf32>, %conv: tensor<1x128x3xf32>,
    %ssm: tensor<1x128x16xf32>)
    -> (tensor<1x?x64xf32>, tensor<1x128x3xf32>, tensor<1x128x16xf32>) {
  %c1 = arith.constant 1 : index
  %s = tensor.dim %x, %c1 : tensor<1x?x64xf32>

  %norm_w = seq.weight "model.layers.1.input_layernorm.weight" : tensor<64xf32>
  %h = seq.rmsnorm %x, %norm_w {epsilon = 1.0e-6 : f32} : tensor<1x?x64xf32>, tensor<64xf32>

  // in_proj produces the scan input and the gate side by side.
  %w_in = seq.weight "model.layers.1.mamba.in_proj.weight" : tensor<256x64xf32>
  %xz = seq.linear %h, %w_in : tensor<1x?x64xf32>, tensor<256x64xf32> -> tensor<1x?x256xf32>
  %xs = tensor.extract_slice %xz[0, 0, 0] [1, %s, 128] [1, 1, 1] : tensor<1x?x256xf32> to tensor<1x?x128xf32>
  %z = tensor.extract_slice %xz[0, 0, 128] [1, %s, 128] [1, 1, 1] : tensor<1x?x256xf32> to tensor<1x?x128xf32>

  // Depthwise causal conv; the checkpoint stores the weight as [128, 1, 4].
  %w_conv3 = seq.weight "model.layers.1.mamba.conv1d.weight" : tensor<128x1x4xf32>
  %w_conv = tensor.collapse_shape %w_conv3 [[0], [1, 2]] : tensor<128x1x4xf32> into tensor<128x4xf32>
  %b_conv = seq.weight "model.layers.1.mamba.conv1d.bias" : tensor<128xf32>
  %xc, %conv2 = seq.causal_conv1d %xs, %w_conv, %b_conv state(%conv) activation silu
      : (tensor<1x?x128xf32>, tensor<128x4xf32>, tensor<128xf32>, tensor<1x128x3xf32>)
      -> (tensor<1x?x128xf32>, tensor<1x128x3xf32>)

  // Input-dependent dt, B, C.
  %w_x = seq.weight "model.layers.1.mamba.x_proj.weight" : tensor<36x128xf32>
  %dbc = seq.linear %xc, %w_x : tensor<1x?x128xf32>, tensor<36x128xf32> -> tensor<1x?x36xf32>
  %dt_low = tensor.extract_slice %dbc[0, 0, 0] [1, %s, 4] [1, 1, 1] : tensor<1x?x36xf32> to tensor<1x?x4xf32>
  %b = tensor.extract_slice %dbc[0, 0, 4] [1, %s, 16] [1, 1, 1] : tensor<1x?x36xf32> to tensor<1x?x16xf32>
  %c = tensor.extract_slice %dbc[0, 0, 20] [1, %s, 16] [1, 1, 1] : tensor<1x?x36xf32> to tensor<1x?x16xf32>
  %w_dt = seq.weight "model.layers.1.mamba.dt_proj.weight" : tensor<128x4xf32>
  %b_dt = seq.weight "model.layers.1.mamba.dt_proj.bias" : tensor<128xf32>
  %dt = seq.linear %dt_low, %w_dt, %b_dt : tensor<1x?x4xf32>, tensor<128x4xf32>, tensor<128xf32> -> tensor<1x?x128xf32>

  // A = -exp(A_log), as Mamba parameterises it.
  %a_log = seq.weight "model.layers.1.mamba.A_log" : tensor<128x16xf32>
  %a_exp = math.exp %a_log : tensor<128x16xf32>
  %a = arith.negf %a_exp : tensor<128x16xf32>
  %d = seq.weight "model.layers.1.mamba.D" : tensor<128xf32>
  %y, %ssm2 = seq.selective_scan %xc, %dt, %a, %b, %c D(%d) z(%z) initial_state(%ssm) {delta_softplus}
      : (tensor<1x?x128xf32>, tensor<1x?x128xf32>, tensor<128x16xf32>, tensor<1x?x16xf32>,
         tensor<1x?x16xf32>, tensor<128xf32>, tensor<1x?x128xf32>, tensor<1x128x16xf32>)
      -> (tensor<1x?x128xf32>, tensor<1x128x16xf32>)

  %w_out = seq.weight "model.layers.1.mamba.out_proj.weight" : tensor<64x128xf32>
  %proj = seq.linear %y, %w_out : tensor<1x?x128xf32>, tensor<64x128xf32> -> tensor<1x?x64xf32>
  %r = arith.addf %x, %proj : tensor<1x?x64xf32>
  return %r, %conv2, %ssm2 : tensor<1x?x64xf32>, tensor<1x128x3xf32>, tensor<1x128x16xf32>
}

// SwiGLU MLP with residual: x + down(silu(gate(n)) * up(n)), n = rmsnorm(x).
func.func private @mlp_block(%x: tensor<1x?x64xf32>, %norm_w: tensor<64xf32>,
    %wg: tensor<128x64xf32>, %wu: tensor<128x64xf32>, %wd: tensor<64x128xf32>)
    -> tensor<1x?x64xf32> {
  %h = seq.rmsnorm %x, %norm_w {epsilon = 1.0e-6 : f32} : tensor<1x?x64xf32>, tensor<64xf32>
  %g = seq.linear %h, %wg : tensor<1x?x64xf32>, tensor<128x64xf32> -> tensor<1x?x128xf32>
  %u = seq.linear %h, %wu : tensor<1x?x64xf32>, tensor<128x64xf32> -> tensor<1x?x128xf32>
  %a = seq.glu silu %g, %u : tensor<1x?x128xf32>
  %o = seq.linear %a, %wd : tensor<1x?x128xf32>, tensor<64x128xf32> -> tensor<1x?x64xf32>
  %r = arith.addf %x, %o : tensor<1x?x64xf32>
  return %r : tensor<1x?x64xf32>
}

// Both layers and the LM head, from token ids to logits.
func.func private @forward(%ids: tensor<1x?xi64>, %pos: index,
    %kc: tensor<1x64x2x16xf32>, %vc: tensor<1x64x2x16xf32>,
    %conv: tensor<1x128x3xf32>, %ssm: tensor<1x128x16xf32>)
    -> (tensor<1x?x256xf32>, tensor<1x64x2x16xf32>, tensor<1x64x2x16xf32>,
        tensor<1x128x3xf32>, tensor<1x128x16xf32>) {
  %emb = seq.weight "model.embed_tokens.weight" : tensor<256x64xf32>
  %x0 = seq.embedding %emb[%ids] : tensor<256x64xf32>, tensor<1x?xi64> -> tensor<1x?x64xf32>

  %x1, %kc2, %vc2 = func.call @attention_block(%x0, %pos, %kc, %vc)
      : (tensor<1x?x64xf32>, index, tensor<1x64x2x16xf32>, tensor<1x64x2x16xf32>)
      -> (tensor<1x?x64xf32>, tensor<1x64x2x16xf32>, tensor<1x64x2x16xf32>)
  %n0 = seq.weight "model.layers.0.pre_ff_layernorm.weight" : tensor<64xf32>
  %g0 = seq.weight "model.layers.0.feed_forward.gate_proj.weight" : tensor<128x64xf32>
  %u0 = seq.weight "model.layers.0.feed_forward.up_proj.weight" : tensor<128x64xf32>
  %d0 = seq.weight "model.layers.0.feed_forward.down_proj.weight" : tensor<64x128xf32>
  %x2 = func.call @mlp_block(%x1, %n0, %g0, %u0, %d0)
      : (tensor<1x?x64xf32>, tensor<64xf32>, tensor<128x64xf32>, tensor<128x64xf32>, tensor<64x128xf32>)
      -> tensor<1x?x64xf32>

  %x3, %conv2, %ssm2 = func.call @mamba_block(%x2, %conv, %ssm)
      : (tensor<1x?x64xf32>, tensor<1x128x3xf32>, tensor<1x128x16xf32>)
      -> (tensor<1x?x64xf32>, tensor<1x128x3xf32>, tensor<1x128x16xf32>)
  %n1 = seq.weight "model.layers.1.pre_ff_layernorm.weight" : tensor<64xf32>
  %g1 = seq.weight "model.layers.1.feed_forward.gate_proj.weight" : tensor<128x64xf32>
  %u1 = seq.weight "model.layers.1.feed_forward.up_proj.weight" : tensor<128x64xf32>
  %d1 = seq.weight "model.layers.1.feed_forward.down_proj.weight" : tensor<64x128xf32>
  %x4 = func.call @mlp_block(%x3, %n1, %g1, %u1, %d1)
      : (tensor<1x?x64xf32>, tensor<64xf32>, tensor<128x64xf32>, tensor<128x64xf32>, tensor<64x128xf32>)
      -> tensor<1x?x64xf32>

  %nf = seq.weight "model.final_layernorm.weight" : tensor<64xf32>
  %xf = seq.rmsnorm %x4, %nf {epsilon = 1.0e-6 : f32} : tensor<1x?x64xf32>, tensor<64xf32>
  %head = seq.weight "lm_head.weight" : tensor<256x64xf32>
  %logits = seq.linear %xf, %head : tensor<1x?x64xf32>, tensor<256x64xf32> -> tensor<1x?x256xf32>
  return %logits, %kc2, %vc2, %conv2, %ssm2
      : tensor<1x?x256xf32>, tensor<1x64x2x16xf32>, tensor<1x64x2x16xf32>,
        tensor<1x128x3xf32>, tensor<1x128x16xf32>
}

// A prompt of any length from position %pos: logits for every position.
func.func @prefill(%ids: tensor<1x?xi64>, %pos: index,
    %kc: tensor<1x64x2x16xf32> {seq.state = "layers.0.k_cache"},
    %vc: tensor<1x64x2x16xf32> {seq.state = "layers.0.v_cache"},
    %conv: tensor<1x128x3xf32> {seq.state = "layers.1.conv_state"},
    %ssm: tensor<1x128x16xf32> {seq.state = "layers.1.ssm_state"})
    -> (tensor<1x?x256xf32>,
        tensor<1x64x2x16xf32> {seq.state = "layers.0.k_cache"},
        tensor<1x64x2x16xf32> {seq.state = "layers.0.v_cache"},
        tensor<1x128x3xf32> {seq.state = "layers.1.conv_state"},
        tensor<1x128x16xf32> {seq.state = "layers.1.ssm_state"}) {
  %logits, %kc2, %vc2, %conv2, %ssm2 = func.call @forward(%ids, %pos, %kc, %vc, %conv, %ssm)
      : (tensor<1x?xi64>, index, tensor<1x64x2x16xf32>, tensor<1x64x2x16xf32>,
         tensor<1x128x3xf32>, tensor<1x128x16xf32>)
      -> (tensor<1x?x256xf32>, tensor<1x64x2x16xf32>, tensor<1x64x2x16xf32>,
          tensor<1x128x3xf32>, tensor<1x128x16xf32>)
  return %logits, %kc2, %vc2, %conv2, %ssm2
      : tensor<1x?x256xf32>, tensor<1x64x2x16xf32>, tensor<1x64x2x16xf32>,
        tensor<1x128x3xf32>, tensor<1x128x16xf32>
}

// One token at position %pos: the prompt's continuation, step by step.
func.func @decode(%id: tensor<1x1xi64>, %pos: index,
    %kc: tensor<1x64x2x16xf32> {seq.state = "layers.0.k_cache"},
    %vc: tensor<1x64x2x16xf32> {seq.state = "layers.0.v_cache"},
    %conv: tensor<1x128x3xf32> {seq.state = "layers.1.conv_state"},
    %ssm: tensor<1x128x16xf32> {seq.state = "layers.1.ssm_state"})
    -> (tensor<1x1x256xf32>,
        tensor<1x64x2x16xf32> {seq.state = "layers.0.k_cache"},
        tensor<1x64x2x16xf32> {seq.state = "layers.0.v_cache"},
        tensor<1x128x3xf32> {seq.state = "layers.1.conv_state"},
        tensor<1x128x16xf32> {seq.state = "layers.1.ssm_state"}) {
  %ids = tensor.cast %id : tensor<1x1xi64> to tensor<1x?xi64>
  %logits, %kc2, %vc2, %conv2, %ssm2 = func.call @forward(%ids, %pos, %kc, %vc, %conv, %ssm)
      : (tensor<1x?xi64>, index, tensor<1x64x2x16xf32>, tensor<1x64x2x16xf32>,
         tensor<1x128x3xf32>, tensor<1x128x16xf32>)
      -> (tensor<1x?x256xf32>, tensor<1x64x2x16xf32>, tensor<1x64x2x16xf32>,
          tensor<1x128x3xf32>, tensor<1x128x16xf32>)
  %logits1 = tensor.cast %logits : tensor<1x?x256xf32> to tensor<1x1x256xf32>
  return %logits1, %kc2, %vc2, %conv2, %ssm2
      : tensor<1x1x256xf32>, tensor<1x64x2x16xf32>, tensor<1x64x2x16xf32>,
        tensor<1x128x3xf32>, tensor<1x128x16xf32>
}

} // module
