package kernels

import (
	"fmt"

	"github.com/goki/mat32"
)

// Attention: O = softmax(Scale·Q·Kᵀ [+ causal mask])·V per (batch, head), with
//
//	Q [B, Tq, ·] rows of QRow floats, head h at columns [h·D, (h+1)·D)
//	K, V [B, Tk, ·] rows of KRow floats (the same stride for both), head h likewise
//	O [B, Tq, ·] rows of ORow floats
//
// i.e. the projections' natural token-major output (QRow = KRow = ORow = H·D), so no
// transposes are needed around it; a fused QKV projection [B, T, 3·H·D] works too, with
// QRow = KRow = 3·H·D and the K and V bindings offset by H·D and 2·H·D floats.
// The causal mask lets query i see keys j ≤ i + (Tk − Tq) (CLIP: Tq = Tk); causal
// attention requires Tk ≥ Tq.
//
// FlashAttention never materialises the score matrix: each thread owns ATT_R query rows
// (their output accumulators in registers/private memory) and streams the keys in
// blocks of 16 with an online softmax (running max m and sum l; when the max
// grows, l and the accumulators are rescaled by exp(m_old − m_new)). Its memory is that
// of Q, K, V and O: nothing grows with Tq·Tk. Variants with the head dim compiled in
// (40, 64, 80, 160: SD1.x and SD2.x) unroll the inner loops and block 4 (2 for 160)
// query rows per thread so each uniform K/V load feeds several FMAs; the generic kernel
// takes any D ≤ 512 (the VAE's single 512-wide head) from Params.
//
// The naive reference (AttentionScores → Softmax → AttentionPV) materialises
// S [pairs, Tq, Tk] for the (batch, head) pairs [BH0, BH0+NBH) — B·H·Tq·Tk·4 bytes for
// all of them — and exists for tests and the benchmark comparison.

// NewAttentionParams fills AttentionParams for the plain layout (rows of H·D floats)
// with Scale 1/√D, covering all (batch, head) pairs.
func NewAttentionParams(b, tq, tk, h, d int, causal bool) AttentionParams {
	p := AttentionParams{B: uint32(b), Tq: uint32(tq), Tk: uint32(tk), H: uint32(h), D: uint32(d),
		QRow: uint32(h * d), KRow: uint32(h * d), ORow: uint32(h * d),
		Scale: 1 / mat32.Sqrt(float32(d)), NBH: uint32(b * h)}
	if causal {
		p.Causal = 1
	}
	return p
}

// FlashAttentionLocal is the workgroup size of the flash kernels for CPU devices: one
// SIMD row, whose lanes share every K and V load.
const FlashAttentionLocal = 8

// FlashAttentionWideLocal is the workgroup size of the "_wide" flash kernels for GPUs,
// one query row per thread: 8-thread workgroups would leave most of a GPU's thread
// slots empty (an SM holds a bounded number of workgroups).
const FlashAttentionWideLocal = 64

// flashVariant is a flash kernel compiled for one head dim and its query rows per thread.
type flashVariant struct {
	spec Spec
	rows int
}

var flashVariants = map[int]flashVariant{
	40:  {FlashAttentionD40, 4},
	64:  {FlashAttentionD64, 2},
	80:  {FlashAttentionD80, 2},
	160: {FlashAttentionD160, 1},
}

// FlashSpecialised reports whether head dim d has a flash kernel compiled for it.
func FlashSpecialised(d int) bool {
	_, ok := flashVariants[d]
	return ok
}

// wideSpec is the "_wide" build of a flash kernel.
func wideSpec(s Spec) Spec {
	s.Name += "_wide"
	s.Local[0] = FlashAttentionWideLocal
	return s
}

// FlashAttentionMaxD is the largest head dim of the generic flash kernel.
const FlashAttentionMaxD = 512

// FlashCMFits reports whether the tensor-core flash kernel (flash_cm_d40 etc.) can run p
// on a device with cooperative matrices: no causal mask, head dim 40, 64 or 80, and Q,
// K and V rows of whole 16-byte texels.
func FlashCMFits(p AttentionParams) bool {
	return p.Causal == 0 && (p.D == 40 || p.D == 64 || p.D == 80) && p.QRow%4 == 0 && p.KRow%4 == 0
}

// flashCMRows is the number of query rows of a flash_cm workgroup (128 invocations).
const flashCMRows = 64

// FlashAttentionFor returns the flash kernel for head dim d on device t and its
// workgroup counts for p: the tensor-core kernel where the device has cooperative
// matrices and FlashCMFits; else a specialised variant when there is one, or the
// generic kernel, in the wide build on GPUs.
func FlashAttentionFor(p AttentionParams, t Target) (Spec, [3]uint32, error) {
	spec, rows, local := FlashAttention, 1, FlashAttentionLocal
	if v, ok := flashVariants[int(p.D)]; ok {
		spec, rows = v.spec, v.rows
	}
	if !t.CPU {
		spec, rows, local = wideSpec(spec), 1, FlashAttentionWideLocal
	}
	if t.CoopMatrix && FlashCMFits(p) {
		// 128 invocations per workgroup, 64 query rows: per = local·rows below.
		spec = Spec{Name: fmt.Sprintf("flash_cm_d%d", p.D), Reads: 3, Writes: 1, ParamsSize: 64, Local: [3]uint32{128, 1, 1}}
		rows, local = 1, flashCMRows
	}
	if p.D == 0 || p.D > FlashAttentionMaxD {
		return Spec{}, [3]uint32{}, fmt.Errorf("flash attention: head dim %d not in 1..%d", p.D, FlashAttentionMaxD)
	}
	if p.Tq == 0 || p.Tk == 0 || p.B == 0 || p.H == 0 {
		return Spec{}, [3]uint32{}, fmt.Errorf("flash attention: empty shape B=%d Tq=%d Tk=%d H=%d", p.B, p.Tq, p.Tk, p.H)
	}
	if p.Causal != 0 && p.Tk < p.Tq {
		return Spec{}, [3]uint32{}, fmt.Errorf("flash attention: causal mask needs Tk (%d) ≥ Tq (%d)", p.Tk, p.Tq)
	}
	per := uint32(local * rows)
	return spec, [3]uint32{(p.Tq + per - 1) / per, p.H, p.B}, nil
}

//gosl: start cpuonly

// Go-side storage buffers of the naive attention kernels.
var AsQ, AsK, AsS, ApP, ApV, ApO []float32

//gosl: end cpuonly

//gosl: start attparams

// AttentionParams are the push constants of every attention kernel.
type AttentionParams struct {
	B  uint32
	Tq uint32
	Tk uint32
	H  uint32
	// D is the head dim (ignored by the variants that compile it in).
	D    uint32
	QRow uint32
	KRow uint32
	ORow uint32
	// Causal is 1 for the causal mask (CLIP's text encoder), else 0.
	Causal uint32
	// Scale multiplies Q·Kᵀ (1/√D).
	Scale float32
	// BH0 and NBH select the (batch, head) pairs b·H+h of the naive kernels' score
	// tensor (ignored by FlashAttention).
	BH0 uint32
	NBH uint32
	// Stride is the grid's thread count of the 1-D naive kernels.
	Stride uint32
	pad0   uint32
	pad1   uint32
	pad2   uint32
}

// AttnCausalOK reports whether key j is visible to query i (always without the mask).
func AttnCausalOK(p *AttentionParams, i uint32, j uint32) bool {
	if p.Causal == 0 {
		return true
	}
	return j+p.Tq <= i+p.Tk
}

//gosl: end attparams

//gosl: hlsl attscfam
// #include "attparams.hlsl"
// [[vk::binding(0, 0)]] RWStructuredBuffer<float> AsQ;
// [[vk::binding(1, 0)]] RWStructuredBuffer<float> AsK;
// [[vk::binding(2, 0)]] RWStructuredBuffer<float> AsS;
//gosl: end attscfam

//gosl: start attscfam

// AttnScoreAt sets score element e of the selected pairs: S = Scale·q·k, or −1e30 where
// the causal mask hides the key.
func AttnScoreAt(p *AttentionParams, e uint32) {
	per := p.Tq * p.Tk
	bh := p.BH0 + e/per
	r := e % per
	i := r / p.Tk
	j := r % p.Tk
	b := bh / p.H
	h := bh % p.H
	if !AttnCausalOK(p, i, j) {
		AsS[e] = -1e30
		return
	}
	qb := (b*p.Tq+i)*p.QRow + h*p.D
	kb := (b*p.Tk+j)*p.KRow + h*p.D
	s := float32(0)
	for d := uint32(0); d < p.D; d++ {
		s += AsQ[qb+d] * AsK[kb+d]
	}
	AsS[e] = s * p.Scale
}

//gosl: end attscfam

//gosl: hlsl attpvfam
// #include "attparams.hlsl"
// [[vk::binding(0, 0)]] RWStructuredBuffer<float> ApP;
// [[vk::binding(1, 0)]] RWStructuredBuffer<float> ApV;
// [[vk::binding(2, 0)]] RWStructuredBuffer<float> ApO;
//gosl: end attpvfam

//gosl: start attpvfam

// AttnPVAt sets output element e of the selected pairs, e over [pairs, Tq, D]:
// O = Σ_j P[i, j]·V[j].
func AttnPVAt(p *AttentionParams, e uint32) {
	per := p.Tq * p.D
	pr := e / per
	bh := p.BH0 + pr
	r := e % per
	i := r / p.D
	d := r % p.D
	b := bh / p.H
	h := bh % p.H
	pb := (pr*p.Tq + i) * p.Tk
	vb := b*p.Tk*p.KRow + h*p.D + d
	s := float32(0)
	for j := uint32(0); j < p.Tk; j++ {
		s += ApP[pb+j] * ApV[vb+j*p.KRow]
	}
	ApO[(b*p.Tq+i)*p.ORow+h*p.D+d] = s
}

//gosl: end attpvfam

//gosl: hlsl attention_scores
/*
#include "attscfam.hlsl"
[[vk::push_constant]] cbuffer PC { AttentionParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	AttentionParams p = P;
	uint n = p.NBH * p.Tq * p.Tk;
	for (uint e = id.x; e < n; e += p.Stride) {
		AttnScoreAt(p, e);
	}
}
*/
//gosl: end attention_scores

//gosl: hlsl attention_pv
/*
#include "attpvfam.hlsl"
[[vk::push_constant]] cbuffer PC { AttentionParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	AttentionParams p = P;
	uint n = p.NBH * p.Tq * p.D;
	for (uint e = id.x; e < n; e += p.Stride) {
		AttnPVAt(p, e);
	}
}
*/
//gosl: end attention_pv

//gosl: hlsl flash_attention
/*
// // sdgo:variant flash_attention_d40 -DHEAD_DIM=40 -DATT_R=4
// // sdgo:variant flash_attention_d64 -DHEAD_DIM=64 -DATT_R=2
// // sdgo:variant flash_attention_d80 -DHEAD_DIM=80 -DATT_R=2
// // sdgo:variant flash_attention_d160 -DHEAD_DIM=160 -DATT_R=1
// // sdgo:variant flash_attention_d40_wide -DHEAD_DIM=40 -DATT_R=1 -DWG=64
// // sdgo:variant flash_attention_d64_wide -DHEAD_DIM=64 -DATT_R=1 -DWG=64
// // sdgo:variant flash_attention_d80_wide -DHEAD_DIM=80 -DATT_R=1 -DWG=64
// // sdgo:variant flash_attention_d160_wide -DHEAD_DIM=160 -DATT_R=1 -DWG=64
// // sdgo:variant flash_attention_wide -DWG=64
#include "attparams.hlsl"
[[vk::binding(0, 0)]] RWStructuredBuffer<float> FaQ;
[[vk::binding(1, 0)]] RWStructuredBuffer<float> FaK;
[[vk::binding(2, 0)]] RWStructuredBuffer<float> FaV;
[[vk::binding(3, 0)]] RWStructuredBuffer<float> FaO;
[[vk::push_constant]] cbuffer PC { AttentionParams P; };
#ifndef ATT_R
#define ATT_R 1
#endif
#define KB 16
#ifndef WG
#define WG 8
#endif
#ifdef HEAD_DIM
// // The head dim is compiled in: the output accumulators acc[r][d] are indexed by
// // constants only in the GPU (wide) builds (the d loops over them are unrolled), so
// // they live in registers; the CPU builds store them in a loop over d, which puts
// // them in private memory, where llvmpipe keeps them anyway, for a fraction of the
// // JIT. Q·Kᵀ runs a dynamic d loop with per-lane q loads and uniform K loads into the
// // ATT_R×KB score block, P·V only uniform V loads.
[numthreads(WG, 1, 1)]
void main(uint3 gid : SV_GroupID, uint3 lid : SV_GroupThreadID) {
	AttentionParams p = P;
	uint b = gid.z;
	uint h = gid.y;
	uint q0 = gid.x * (WG * ATT_R);
	uint qc[ATT_R];
	uint qoff[ATT_R];
	float acc[ATT_R][HEAD_DIM];
	float m[ATT_R];
	float l[ATT_R];
	[unroll] for (uint r = 0; r < ATT_R; r++) {
		qc[r] = min(q0 + r * WG + lid.x, p.Tq - 1);
		qoff[r] = (b * p.Tq + qc[r]) * p.QRow + h * HEAD_DIM;
		m[r] = -1e30;
		l[r] = 0;
		[unroll] for (uint d = 0; d < HEAD_DIM; d++) { acc[r][d] = 0; }
	}
	uint kEnd = p.Tk;
	if (p.Causal != 0) {
		kEnd = min(p.Tk, min(q0 + WG * ATT_R, p.Tq) + p.Tk - p.Tq);
	}
	uint kvb = b * p.Tk * p.KRow + h * HEAD_DIM;
	[loop] for (uint j0 = 0; j0 < kEnd; j0 += KB) {
		uint kr[KB];
		[unroll] for (uint jj = 0; jj < KB; jj++) { kr[jj] = kvb + min(j0 + jj, p.Tk - 1) * p.KRow; }
		float s[ATT_R][KB];
		[unroll] for (uint r = 0; r < ATT_R; r++) {
			[unroll] for (uint jj = 0; jj < KB; jj++) { s[r][jj] = 0; }
		}
		[loop] for (uint d = 0; d < HEAD_DIM; d++) {
			float kv[KB];
			[unroll] for (uint jj = 0; jj < KB; jj++) { kv[jj] = FaK[kr[jj] + d]; }
			[unroll] for (uint r = 0; r < ATT_R; r++) {
				float qd = FaQ[qoff[r] + d];
				[unroll] for (uint jj = 0; jj < KB; jj++) { s[r][jj] = mad(qd, kv[jj], s[r][jj]); }
			}
		}
		[unroll] for (uint r = 0; r < ATT_R; r++) {
			float mb = m[r];
			[unroll] for (uint jj = 0; jj < KB; jj++) {
				uint j = j0 + jj;
				bool ok = j < kEnd && (p.Causal == 0 || j + p.Tq <= qc[r] + p.Tk);
				s[r][jj] = ok ? s[r][jj] * p.Scale : -1e30;
				mb = max(mb, s[r][jj]);
			}
			float corr = exp(m[r] - mb);
			m[r] = mb;
			float ls = l[r] * corr;
			[unroll] for (uint jj = 0; jj < KB; jj++) {
				float e = s[r][jj] > -1e29 ? exp(s[r][jj] - mb) : 0;
				s[r][jj] = e;
				ls += e;
			}
			l[r] = ls;
			[unroll] for (uint d = 0; d < HEAD_DIM; d++) { acc[r][d] *= corr; }
		}
		[loop] for (uint jj = 0; jj < KB; jj++) {
			uint vr = kvb + min(j0 + jj, p.Tk - 1) * p.KRow;
			float pr[ATT_R];
			[unroll] for (uint r = 0; r < ATT_R; r++) { pr[r] = s[r][0]; }
			[unroll] for (uint t = 1; t < KB; t++) {
				if (jj == t) {
					[unroll] for (uint r = 0; r < ATT_R; r++) { pr[r] = s[r][t]; }
				}
			}
			[unroll] for (uint d = 0; d < HEAD_DIM; d++) {
				float vv = FaV[vr + d];
				[unroll] for (uint r = 0; r < ATT_R; r++) { acc[r][d] = mad(pr[r], vv, acc[r][d]); }
			}
		}
	}
	[unroll] for (uint r = 0; r < ATT_R; r++) {
		uint qi = q0 + r * WG + lid.x;
		if (qi < p.Tq) {
			float inv = 1 / l[r];
			uint ob = (b * p.Tq + qi) * p.ORow + h * HEAD_DIM;
#if WG == 8
			// // CPU builds: a loop, as the stores unrolled are most of llvmpipe's JIT.
			[loop] for (uint d = 0; d < HEAD_DIM; d++) { FaO[ob + d] = acc[r][d] * inv; }
#else
			[unroll] for (uint d = 0; d < HEAD_DIM; d++) { FaO[ob + d] = acc[r][d] * inv; }
#endif
		}
	}
}
#else
// // Generic head dim (≤ 512): the same algorithm with the accumulators in private
// // arrays indexed by a runtime d (slower on lavapipe, any D).
[numthreads(WG, 1, 1)]
void main(uint3 gid : SV_GroupID, uint3 lid : SV_GroupThreadID) {
	AttentionParams p = P;
	uint b = gid.z;
	uint h = gid.y;
	uint q0 = gid.x * WG;
	uint qc = min(q0 + lid.x, p.Tq - 1);
	uint qoff = (b * p.Tq + qc) * p.QRow + h * p.D;
	float acc[512];
	for (uint d = 0; d < p.D; d++) { acc[d] = 0; }
	float m = -1e30;
	float l = 0;
	uint kEnd = p.Tk;
	if (p.Causal != 0) {
		kEnd = min(p.Tk, min(q0 + WG, p.Tq) + p.Tk - p.Tq);
	}
	uint kvb = b * p.Tk * p.KRow + h * p.D;
	for (uint j0 = 0; j0 < kEnd; j0 += KB) {
		uint kr[KB];
		[unroll] for (uint jj = 0; jj < KB; jj++) { kr[jj] = kvb + min(j0 + jj, p.Tk - 1) * p.KRow; }
		float s[KB];
		[unroll] for (uint jj = 0; jj < KB; jj++) { s[jj] = 0; }
		for (uint d = 0; d < p.D; d++) {
			float qd = FaQ[qoff + d];
			[unroll] for (uint jj = 0; jj < KB; jj++) { s[jj] = mad(qd, FaK[kr[jj] + d], s[jj]); }
		}
		float mb = m;
		[unroll] for (uint jj = 0; jj < KB; jj++) {
			uint j = j0 + jj;
			bool ok = j < kEnd && (p.Causal == 0 || j + p.Tq <= qc + p.Tk);
			s[jj] = ok ? s[jj] * p.Scale : -1e30;
			mb = max(mb, s[jj]);
		}
		float corr = exp(m - mb);
		m = mb;
		float ls = l * corr;
		[unroll] for (uint jj = 0; jj < KB; jj++) {
			float e = s[jj] > -1e29 ? exp(s[jj] - mb) : 0;
			s[jj] = e;
			ls += e;
		}
		l = ls;
		for (uint d = 0; d < p.D; d++) {
			float a = acc[d] * corr;
			[unroll] for (uint jj = 0; jj < KB; jj++) { a = mad(s[jj], FaV[kr[jj] + d], a); }
			acc[d] = a;
		}
	}
	uint qi = q0 + lid.x;
	if (qi < p.Tq) {
		float inv = 1 / l;
		uint ob = (b * p.Tq + qi) * p.ORow + h * p.D;
		for (uint d = 0; d < p.D; d++) { FaO[ob + d] = acc[d] * inv; }
	}
}
#endif
*/
//gosl: end flash_attention

// The tensor-core flash kernel for GPUs with cooperative matrices (see coopmat.go), for
// non-causal attention at head dims 40, 64 and 80 (the UNet's). A workgroup of 4
// subgroups takes 64 query rows of one (batch, head), 16 per subgroup, held as fp16 hi
// and lo cooperative matrices (Q·Scale, zero-padded to a multiple of 16 wide). Keys and
// values stream through shared memory in blocks (64 keys at head dim 40, 32 at 64 and
// 80), split the same way and loaded from memory a block ahead; the products hi·hi +
// lo·hi + hi·lo keep about 21 bits. The softmax is online, in one pass: cooperative
// matrices cannot rescale an accumulator row by row, so each key block's P·V starts
// from zero on the tensor cores, leaves through the subgroup's staging area, and is
// added to the output rows that the lanes hold in registers (lane l: row l % 16, the
// columns of half l / 16) after they scale them by exp(old max − new max). That also
// keeps the tensor cores' truncating accumulation to one block. Each lane takes half of
// its row's scores; the two halves of a row meet through a subgroup shuffle. A key
// block costs two workgroup barriers (K and V written; every subgroup done with them,
// which also orders the block's output after the loads of P it overwrites); the
// scores, P (over the scores, once read) and the output pass through each subgroup's
// own staging area, otherwise behind subgroup barriers only. Measured on the H100 at
// 2×4096×4096 with 8 heads of 40: blocks of 64 keys 2.36–2.42 ms, of 32 2.96–2.97 ms
// (a second buffer for K and V instead, one barrier a block fewer: 2.88–2.89 ms).

//gosl: hlsl flash_cm_d40
/*
#version 450
// // sdgo:variant flash_cm_d64 -DHEAD_DIM=64
// // sdgo:variant flash_cm_d80 -DHEAD_DIM=80
#include "glslcompat.hlsl"
#extension GL_KHR_shader_subgroup_shuffle : require
#include "attparams.hlsl"
#include "cmsplit.hlsl"
#ifndef HEAD_DIM
#define HEAD_DIM 40
#endif
// // FA_KB keys per block: 64 at head dim 40; at 64 and 80 the pool would pass 48 KiB
// // with 64, so 32.
#if HEAD_DIM <= 40
#define FA_KB 64
#else
#define FA_KB 32
#endif
layout(local_size_x = 128) in;
layout(std430, binding = 0) buffer FaQ4 { vec4 FaQ[]; };
layout(std430, binding = 1) buffer FaK4 { vec4 FaK[]; };
layout(std430, binding = 2) buffer FaV4 { vec4 FaV[]; };
layout(std430, binding = 3) buffer FaO1 { float FaO[]; };
layout(push_constant) uniform PC { AttentionParams P; };
#define FA_DC ((HEAD_DIM + 15) / 16)
#define FA_LDD (2 * FA_DC + 1)
#define FA_KT (FA_KB / 16)
#define FA_KH 0
#define FA_KL (FA_KB * FA_LDD)
#define FA_VH (2 * FA_KB * FA_LDD)
#define FA_VL (3 * FA_KB * FA_LDD)
#define FA_W (4 * FA_KB * FA_LDD)
// // A subgroup's staging area (texels): the 16×FA_KB scores (rows of FA_LDS); over them,
// // once read, P's hi and lo parts (rows of FA_LDP, lo from 16·FA_LDP); over all of
// // them, the key block's 16 × 16·FA_DC output (rows of 4·FA_DC).
#define FA_LDS (FA_KB / 4)
#define FA_LDP (FA_KB / 8 + 1)
#define FA_OC (8 * FA_DC)
#define FA_WS max(max(16 * FA_LDS, 32 * FA_LDP), 64 * FA_DC)
#define FA_ACC fcoopmatNV<32, gl_ScopeSubgroup, 16, 16>
#define FA_IN fcoopmatNV<16, gl_ScopeSubgroup, 16, 16>
shared uvec4 faPool[FA_W + 4 * FA_WS];
AttentionParams p;
// // faStageQ splits the workgroup's 64 query rows (token min(q0 + r, Tq − 1) of (b, h),
// // times Scale), 8 columns per texel, into the hi and lo areas of the pool (rows of
// // FA_LDD texels, columns past HEAD_DIM 0). 128 invocations.
void faStageQ(uint q0) {
	for (uint e = gl_LocalInvocationIndex; e < 64 * 2 * FA_DC; e += 128) {
		uint r = e / (2 * FA_DC);
		uint c = e % (2 * FA_DC);
		vec4 x0 = vec4(0.0);
		vec4 x1 = vec4(0.0);
		if (c * 8 < HEAD_DIM) {
			uint off = (gl_WorkGroupID.z * p.Tq + min(q0 + r, p.Tq - 1)) * p.QRow + gl_WorkGroupID.y * HEAD_DIM + c * 8;
			x0 = FaQ[off / 4] * p.Scale;
			x1 = FaQ[off / 4 + 1] * p.Scale;
		}
		uvec4 h;
		uvec4 l;
		cmSplit(x0, x1, h, l);
		faPool[r * FA_LDD + c] = h;
		faPool[64 * FA_LDD + r * FA_LDD + c] = l;
	}
}
// // A key block's K and V are fetched into registers a block ahead (faFetch: texel
// // pair e = invocation + 128·i of the block's FA_KB rows × 2·FA_DC, row r token
// // min(j0 + r, Tk − 1)) and split into the pool's K and V areas (faPut) once the
// // previous block is done with them, so their loads overlap its tensor-core work.
#define FA_PI ((2 * FA_KB * FA_DC + 127) / 128)
vec4 faK[FA_PI][2];
vec4 faV[FA_PI][2];
void faFetch(uint j0) {
	[[unroll]] for (uint i = 0; i < FA_PI; i++) {
		uint e = gl_LocalInvocationIndex + 128 * i;
		uint r = e / (2 * FA_DC);
		uint c = e % (2 * FA_DC);
		faK[i][0] = vec4(0.0);
		faK[i][1] = vec4(0.0);
		faV[i][0] = vec4(0.0);
		faV[i][1] = vec4(0.0);
		if (e < 2 * FA_KB * FA_DC && c * 8 < HEAD_DIM) {
			uint off = (gl_WorkGroupID.z * p.Tk + min(j0 + r, p.Tk - 1)) * p.KRow + gl_WorkGroupID.y * HEAD_DIM + c * 8;
			faK[i][0] = FaK[off / 4];
			faK[i][1] = FaK[off / 4 + 1];
			faV[i][0] = FaV[off / 4];
			faV[i][1] = FaV[off / 4 + 1];
		}
	}
}
void faPut() {
	[[unroll]] for (uint i = 0; i < FA_PI; i++) {
		uint e = gl_LocalInvocationIndex + 128 * i;
		if (e < 2 * FA_KB * FA_DC) {
			uint r = e / (2 * FA_DC);
			uint c = e % (2 * FA_DC);
			uvec4 h;
			uvec4 l;
			cmSplit(faK[i][0], faK[i][1], h, l);
			faPool[FA_KH + r * FA_LDD + c] = h;
			faPool[FA_KL + r * FA_LDD + c] = l;
			cmSplit(faV[i][0], faV[i][1], h, l);
			faPool[FA_VH + r * FA_LDD + c] = h;
			faPool[FA_VL + r * FA_LDD + c] = l;
		}
	}
}
void main() {
	p = P;
	uint w = gl_SubgroupID;
	uint lane = gl_SubgroupInvocationID;
	uint r = lane % 16;
	uint hf = lane / 16;
	uint q0 = gl_WorkGroupID.x * 64;
	uint ws = FA_W + w * FA_WS;
	faStageQ(q0);
	barrier();
	FA_IN qh[FA_DC];
	FA_IN ql[FA_DC];
	[[unroll]] for (uint c = 0; c < FA_DC; c++) {
		coopMatLoadNV(qh[c], faPool, (w * 16) * FA_LDD + 2 * c, FA_LDD, false);
		coopMatLoadNV(ql[c], faPool, 64 * FA_LDD + (w * 16) * FA_LDD + 2 * c, FA_LDD, false);
	}
	barrier();
	float o[FA_OC];
	[[unroll]] for (uint j = 0; j < FA_OC; j++) { o[j] = 0.0; }
	float m = -1e30;
	float l = 0.0;
	faFetch(0);
	for (uint j0 = 0; j0 < p.Tk; j0 += FA_KB) {
		faPut();
		barrier();
		if (j0 + FA_KB < p.Tk) {
			faFetch(j0 + FA_KB);
		}
		// // S = Q·Kᵀ for the block's keys, through the staging area.
		FA_ACC s[FA_KT];
		[[unroll]] for (uint t = 0; t < FA_KT; t++) { s[t] = FA_ACC(0.0); }
		[[unroll]] for (uint c = 0; c < FA_DC; c++) {
			[[unroll]] for (uint t = 0; t < FA_KT; t++) {
				FA_IN kh;
				FA_IN kl;
				coopMatLoadNV(kh, faPool, FA_KH + (16 * t) * FA_LDD + 2 * c, FA_LDD, true);
				coopMatLoadNV(kl, faPool, FA_KL + (16 * t) * FA_LDD + 2 * c, FA_LDD, true);
				s[t] = coopMatMulAddNV(qh[c], kh, s[t]);
				s[t] = coopMatMulAddNV(ql[c], kh, s[t]);
				s[t] = coopMatMulAddNV(qh[c], kl, s[t]);
			}
		}
		[[unroll]] for (uint t = 0; t < FA_KT; t++) { coopMatStoreNV(s[t], faPool, ws + 4 * t, FA_LDS, false); }
		subgroupBarrier();
		// // The online softmax of the lane's FA_KB / 2 scores (keys j0 + FA_KB / 2 · hf + i).
		float sc[FA_KB / 2];
		float mb = m;
		[[unroll]] for (uint i = 0; i < FA_KB / 2; i++) {
			float v = uintBitsToFloat(faPool[ws + r * FA_LDS + (FA_KB / 8) * hf + i / 4][i % 4]);
			sc[i] = j0 + (FA_KB / 2) * hf + i < p.Tk ? v : -1e30;
			mb = max(mb, sc[i]);
		}
		mb = max(mb, subgroupShuffleXor(mb, 16));
		float alpha = exp(m - mb);
		float ls = 0.0;
		vec4 x[FA_KB / 8];
		[[unroll]] for (uint i = 0; i < FA_KB / 2; i++) {
			float e = sc[i] > -1e29 ? exp(sc[i] - mb) : 0.0;
			x[i / 4][i % 4] = e;
			ls += e;
		}
		l = l * alpha + (ls + subgroupShuffleXor(ls, 16));
		m = mb;
		subgroupBarrier();
		[[unroll]] for (uint t = 0; t < FA_KB / 16; t++) {
			uvec4 ph;
			uvec4 pl;
			cmSplit(x[2 * t], x[2 * t + 1], ph, pl);
			faPool[ws + r * FA_LDP + (FA_KB / 16) * hf + t] = ph;
			faPool[ws + 16 * FA_LDP + r * FA_LDP + (FA_KB / 16) * hf + t] = pl;
		}
		subgroupBarrier();
		// // The block's P·V from zero, then added to the rescaled output rows.
		FA_ACC ob[FA_DC];
		[[unroll]] for (uint c = 0; c < FA_DC; c++) { ob[c] = FA_ACC(0.0); }
		[[unroll]] for (uint kc = 0; kc < FA_KT; kc++) {
			FA_IN ah;
			FA_IN al;
			coopMatLoadNV(ah, faPool, ws + 2 * kc, FA_LDP, false);
			coopMatLoadNV(al, faPool, ws + 16 * FA_LDP + 2 * kc, FA_LDP, false);
			[[unroll]] for (uint c = 0; c < FA_DC; c++) {
				FA_IN vh;
				FA_IN vl;
				coopMatLoadNV(vh, faPool, FA_VH + (16 * kc) * FA_LDD + 2 * c, FA_LDD, false);
				coopMatLoadNV(vl, faPool, FA_VL + (16 * kc) * FA_LDD + 2 * c, FA_LDD, false);
				ob[c] = coopMatMulAddNV(ah, vh, ob[c]);
				ob[c] = coopMatMulAddNV(al, vh, ob[c]);
				ob[c] = coopMatMulAddNV(ah, vl, ob[c]);
			}
		}
		barrier();
		[[unroll]] for (uint c = 0; c < FA_DC; c++) { coopMatStoreNV(ob[c], faPool, ws + 4 * c, 4 * FA_DC, false); }
		subgroupBarrier();
		[[unroll]] for (uint j = 0; j < FA_OC; j++) {
			uint col = hf * FA_OC + j;
			o[j] = o[j] * alpha + uintBitsToFloat(faPool[ws + r * 4 * FA_DC + col / 4][col % 4]);
		}
	}
	float inv = 1.0 / l;
	uint qi = q0 + w * 16 + r;
	if (qi < p.Tq) {
		uint ob = (gl_WorkGroupID.z * p.Tq + qi) * p.ORow + gl_WorkGroupID.y * HEAD_DIM;
		[[unroll]] for (uint j = 0; j < FA_OC; j++) {
			uint d = hf * FA_OC + j;
			if (d < HEAD_DIM) { FaO[ob + d] = o[j] * inv; }
		}
	}
}
*/
//gosl: end flash_cm_d40

// The texel flash kernel for CPU devices (flash_tex_d40 etc.): gemm_tex's scheme on
// attention. A workgroup of one SIMD row (8 lanes) takes tiles of FTR query rows of one
// (batch, head) pair from the work queue (queue.go) and streams the keys in blocks of
// 32, lane t owning keys t, t+8, t+16, t+24 of each block:
//   - S = Q·Kᵀ for the block is TEX_MMA over the head dim: Q rows fetched by the lane
//     that owns them and handed round with subgroup broadcasts, each lane's K rows
//     fetched as texels;
//   - the online softmax takes each row's block max across the lanes (a butterfly of
//     shuffles: subgroup arithmetic is not among the capabilities the runtime enables),
//     keeps each lane's share of the row sums (added across lanes once, at the end) and
//     rescales the output when the max grows;
//   - O += P·V with lane t owning head dims t, t+8, …: each row's 8 probabilities of
//     a key group are broadcast from their lanes and meet the lane's dims of those 8
//     keys, two texels of Vᵀ (the values transposed per pair, rows padded with zeros
//     to whole blocks).
// A ragged last block (the text's 77 keys) reads its last key for the missing ones and
// masks their scores. The score matrix never leaves registers: GEMM attention wrote it
// (store-bound at attention's K = 40) and read it twice in the softmax. Needs D ∈ {40,
// 64, 80, 160} and texel-aligned rows (FlashTexFits).

//gosl: hlsl flash_tex_d40
/*
// // sdgo:variant flash_tex_d64 -DFTD=8 -DFTR=16
// // sdgo:variant flash_tex_d80 -DFTD=10 -DFTR=16
// // sdgo:variant flash_tex_d160 -DFTD=20 -DFTR=8
#include "attparams.hlsl"
#include "texmma.hlsl"
[[vk::push_constant]] cbuffer PC { AttentionParams P; };
[[vk::binding(0, 0)]] Buffer<uint4> FtQ;
[[vk::binding(1, 0)]] Buffer<uint4> FtK;
[[vk::binding(2, 0)]] Buffer<uint4> FtVt;
[[vk::binding(3, 0)]] RWStructuredBuffer<float> FtO;
#define QUEUE_BINDING 4
#include "queue.hlsl"
#ifndef FTD
#define FTD 5
#define FTR 32
#endif
#define FTQ (FTR / 8)
#define FT_D (8 * FTD)
void flashTexTile(uint3 gid, uint3 lid) {
	AttentionParams p = P;
	uint b = gid.z;
	uint h = gid.y;
	uint m0 = gid.x * FTR;
	uint qoff[FTQ]; // in texels
	[unroll] for (uint q = 0; q < FTQ; q++) {
		qoff[q] = ((b * p.Tq + min(m0 + 8 * q + lid.x, p.Tq - 1)) * p.QRow + h * FT_D) >> 2;
	}
	float o[FTR][FTD];
	float m[FTR];
	float l[FTR]; // this lane's share of the row's sum
	[unroll] for (uint i = 0; i < FTR; i++) {
		m[i] = -1e30;
		l[i] = 0;
		[unroll] for (uint dd = 0; dd < FTD; dd++) { o[i][dd] = 0; }
	}
	float c = p.Scale * 1.4426950408889634; // exp(x) = exp2(x·log2 e)
	uint kbase = b * p.Tk * p.KRow + h * FT_D;
	uint vrow = (p.Tk + 31) & ~31u; // FlashTexVtRow
	uint vbase = (b * p.H + h) * FT_D * vrow;
	[loop] for (uint j0 = 0; j0 < p.Tk; j0 += 32) {
		uint koff[4]; // in texels
		[unroll] for (uint jj = 0; jj < 4; jj++) { koff[jj] = (kbase + min(j0 + 8 * jj + lid.x, p.Tk - 1) * p.KRow) >> 2; }
		float sc[FTR][4];
		[unroll] for (uint i = 0; i < FTR; i++) {
			[unroll] for (uint jj = 0; jj < 4; jj++) { sc[i][jj] = 0; }
		}
		[loop] for (uint kt = 0; kt < FT_D / 4; kt += 2) {
			float4 a0[FTQ], a1[FTQ];
			[unroll] for (uint q = 0; q < FTQ; q++) {
				a0[q] = asfloat(FtQ[qoff[q] + kt]);
				a1[q] = asfloat(FtQ[qoff[q] + kt + 1]);
			}
			float4 b0[4], b1[4];
			[unroll] for (uint jj = 0; jj < 4; jj++) {
				b0[jj] = asfloat(FtK[koff[jj] + kt]);
				b1[jj] = asfloat(FtK[koff[jj] + kt + 1]);
			}
			TEX_MMA(sc, a0, a1, b0, b1, FTR, 4);
		}
		if (j0 + 32 > p.Tk) { // the last block of a ragged key count: no keys past Tk
			[unroll] for (uint jj = 0; jj < 4; jj++) {
				bool past = j0 + 8 * jj + lid.x >= p.Tk;
				[unroll] for (uint i = 0; i < FTR; i++) { sc[i][jj] = past ? -1e30 : sc[i][jj]; }
			}
		}
		[unroll] for (uint i = 0; i < FTR; i++) {
			float mb = max(max(sc[i][0], sc[i][1]), max(sc[i][2], sc[i][3])) * c;
			mb = max(mb, WaveReadLaneAt(mb, lid.x ^ 1));
			mb = max(mb, WaveReadLaneAt(mb, lid.x ^ 2));
			mb = max(m[i], max(mb, WaveReadLaneAt(mb, lid.x ^ 4)));
			float corr = exp2(m[i] - mb);
			m[i] = mb;
			float ls = l[i] * corr;
			[unroll] for (uint jj = 0; jj < 4; jj++) {
				float e = exp2(sc[i][jj] * c - mb);
				sc[i][jj] = e;
				ls += e;
			}
			l[i] = ls;
			[unroll] for (uint dd = 0; dd < FTD; dd++) { o[i][dd] *= corr; }
		}
		[unroll] for (uint jj = 0; jj < 4; jj++) {
			float4 v0[FTD], v1[FTD];
			[unroll] for (uint dd = 0; dd < FTD; dd++) {
				uint vo = (vbase + (8 * dd + lid.x) * vrow + j0 + 8 * jj) >> 2;
				v0[dd] = asfloat(FtVt[vo]);
				v1[dd] = asfloat(FtVt[vo + 1]);
			}
			[unroll] for (uint i = 0; i < FTR; i++) {
				float4 x = float4(WaveReadLaneAt(sc[i][jj], 0), WaveReadLaneAt(sc[i][jj], 1), WaveReadLaneAt(sc[i][jj], 2), WaveReadLaneAt(sc[i][jj], 3));
				float4 y = float4(WaveReadLaneAt(sc[i][jj], 4), WaveReadLaneAt(sc[i][jj], 5), WaveReadLaneAt(sc[i][jj], 6), WaveReadLaneAt(sc[i][jj], 7));
				[unroll] for (uint dd = 0; dd < FTD; dd++) {
					float a = o[i][dd];
					a = mad(x.x, v0[dd].x, a);
					a = mad(x.y, v0[dd].y, a);
					a = mad(x.z, v0[dd].z, a);
					a = mad(x.w, v0[dd].w, a);
					a = mad(y.x, v1[dd].x, a);
					a = mad(y.y, v1[dd].y, a);
					a = mad(y.z, v1[dd].z, a);
					a = mad(y.w, v1[dd].w, a);
					o[i][dd] = a;
				}
			}
		}
	}
	// // A loop over the rows: their stores unrolled took 3/4 of llvmpipe's first-run JIT.
	// // It puts the accumulators in private memory (llvmpipe spills them anyway; a GPU
	// // forced onto this kernel pays for it).
	[loop] for (uint i = 0; i < FTR; i++) {
		float sum = l[i] + WaveReadLaneAt(l[i], lid.x ^ 1);
		sum += WaveReadLaneAt(sum, lid.x ^ 2);
		float inv = 1 / (sum + WaveReadLaneAt(sum, lid.x ^ 4));
		uint qi = m0 + i;
		if (qi < p.Tq) {
			uint ob = (b * p.Tq + qi) * p.ORow + h * FT_D + lid.x;
			[unroll] for (uint dd = 0; dd < FTD; dd++) { FtO[ob + 8 * dd] = o[i][dd] * inv; }
		}
	}
}
[numthreads(8, 1, 1)]
void main(uint3 lid : SV_GroupThreadID) {
	uint gx = (P.Tq + FTR - 1) / FTR;
	for (uint t = QueueTake(lid.x); t < gx * P.H * P.B; t = QueueTake(lid.x)) {
		flashTexTile(QueueTile(t, gx, P.H), lid);
	}
	QueueDone(lid.x);
}
*/
//gosl: end flash_tex_d40

// flashTexRows is the number of query rows of a flash_tex tile (its build's FTR), per
// head dim: the head dims it has builds for.
var flashTexRows = map[int]int{40: 32, 64: 16, 80: 16, 160: 8}

// FlashTexFits reports whether the texel flash kernel can run p: no causal mask, a
// head dim it is compiled for, and Q and K rows of whole texels. Like the other texel
// kernels it hands values round its 8-invocation workgroup with subgroup shuffles;
// lavapipe runs them correctly with 8-wide and 4-wide subgroups alike (conformance
// passes with LP_NATIVE_VECTOR_WIDTH=128 too).
func FlashTexFits(p AttentionParams) bool {
	_, ok := flashTexRows[int(p.D)]
	return ok && p.Causal == 0 && p.QRow%4 == 0 && p.KRow%4 == 0 && p.D%8 == 0
}

// FlashTexVtRow is the row length of the texel flash kernel's Vᵀ: the key count
// rounded up to its blocks of 32 (NewTransposedHeadsParams pads the rows with zeros).
func FlashTexVtRow(tk int) int { return (tk + 31) &^ 31 }

// FlashTex returns the texel flash kernel for p (FlashTexFits), a queued one, and its
// workgroup counts (QueueGrid): binding 0 Q, 1 K (texels, the plain layout), 2 Vᵀ
// (texels, [B·H][D][FlashTexVtRow(Tk)]: the values transposed per pair, zero past Tk),
// 3 O (written).
func FlashTex(p AttentionParams) (Spec, [3]uint32) {
	spec := Spec{Name: fmt.Sprintf("flash_tex_d%d", p.D), Reads: 3, Writes: 1, ParamsSize: 64, Local: [3]uint32{8, 1, 1}, Texels: 7, Queue: true}
	return spec, QueueGrid()
}

// FlashAttention is the generic flash kernel (any D ≤ 512, one query row per thread):
// binding 0 Q, 1 K, 2 V (read), 3 O (written). Params AttentionParams; groups from
// FlashAttentionFor.
var FlashAttention = Spec{Name: "flash_attention", Reads: 3, Writes: 1, ParamsSize: 64, Local: [3]uint32{FlashAttentionLocal, 1, 1}}

// FlashAttentionD40 etc. are FlashAttention compiled for one head dim (Params.D must
// match); use FlashAttentionFor to pick.
var (
	FlashAttentionD40  = Spec{Name: "flash_attention_d40", Reads: 3, Writes: 1, ParamsSize: 64, Local: [3]uint32{FlashAttentionLocal, 1, 1}}
	FlashAttentionD64  = Spec{Name: "flash_attention_d64", Reads: 3, Writes: 1, ParamsSize: 64, Local: [3]uint32{FlashAttentionLocal, 1, 1}}
	FlashAttentionD80  = Spec{Name: "flash_attention_d80", Reads: 3, Writes: 1, ParamsSize: 64, Local: [3]uint32{FlashAttentionLocal, 1, 1}}
	FlashAttentionD160 = Spec{Name: "flash_attention_d160", Reads: 3, Writes: 1, ParamsSize: 64, Local: [3]uint32{FlashAttentionLocal, 1, 1}}
)

// AttentionScores is the naive reference's first pass: S[pair, i, j] = Scale·q_i·k_j
// (−1e30 where masked) for the pairs [BH0, BH0+NBH): binding 0 Q, 1 K (read), 2 S
// [NBH, Tq, Tk] (written). Groups1D(NBH·Tq·Tk). Follow with Softmax (Rows NBH·Tq, Cols
// Tk, Scale 1) in place.
var AttentionScores = Spec{Name: "attention_scores", Reads: 2, Writes: 1, ParamsSize: 64, Local: [3]uint32{Local1D, 1, 1}}

// AttentionPV is the naive reference's last pass: O = P·V for the pairs: binding 0 P
// [NBH, Tq, Tk], 1 V (read), 2 O (written). Groups1D(NBH·Tq·D).
var AttentionPV = Spec{Name: "attention_pv", Reads: 2, Writes: 1, ParamsSize: 64, Local: [3]uint32{Local1D, 1, 1}}

// AttentionScoresCPU is the CPU reference of AttentionScores.
func AttentionScoresCPU(p AttentionParams, q, k, s []float32) {
	cpuMu.Lock()
	defer cpuMu.Unlock()
	AsQ, AsK, AsS = q, k, s
	for e := uint32(0); e < p.NBH*p.Tq*p.Tk; e++ {
		AttnScoreAt(&p, e)
	}
	AsQ, AsK, AsS = nil, nil, nil
}

// AttentionPVCPU is the CPU reference of AttentionPV.
func AttentionPVCPU(p AttentionParams, pr, v, o []float32) {
	cpuMu.Lock()
	defer cpuMu.Unlock()
	ApP, ApV, ApO = pr, v, o
	for e := uint32(0); e < p.NBH*p.Tq*p.D; e++ {
		AttnPVAt(&p, e)
	}
	ApP, ApV, ApO = nil, nil, nil
}

// FlashAttentionCPU is the CPU reference of the flash kernels: the same online softmax
// over blocks of 16 keys, in the same order of operations, one query row at a time.
func FlashAttentionCPU(p AttentionParams, q, k, v, o []float32) {
	const kb = 16
	d := int(p.D)
	qv := make([]float32, d)
	acc := make([]float32, d)
	var s [kb]float32
	for b := uint32(0); b < p.B; b++ {
		for h := uint32(0); h < p.H; h++ {
			kvb := int(b*p.Tk*p.KRow + h*p.D)
			for i := uint32(0); i < p.Tq; i++ {
				qb := int((b*p.Tq+i)*p.QRow + h*p.D)
				for x := 0; x < d; x++ {
					qv[x] = q[qb+x]
					acc[x] = 0
				}
				m, l := float32(-1e30), float32(0)
				kEnd := p.Tk
				if p.Causal != 0 {
					kEnd = min(p.Tk, i+1+p.Tk-p.Tq)
				}
				for j0 := uint32(0); j0 < kEnd; j0 += kb {
					mb := m
					for jj := uint32(0); jj < kb; jj++ {
						j := j0 + jj
						if j >= kEnd || !AttnCausalOK(&p, i, j) {
							s[jj] = -1e30
							continue
						}
						kr := kvb + int(j*p.KRow)
						t := float32(0)
						for x := 0; x < d; x++ {
							t += qv[x] * k[kr+x]
						}
						s[jj] = t * p.Scale
						mb = max(mb, s[jj])
					}
					corr := mat32.Exp(m - mb)
					m = mb
					l *= corr
					for jj := range s {
						if s[jj] > -1e29 {
							s[jj] = mat32.Exp(s[jj] - mb)
						} else {
							s[jj] = 0
						}
						l += s[jj]
					}
					for x := 0; x < d; x++ {
						acc[x] *= corr
					}
					for x := 0; x < d; x++ {
						a := acc[x]
						for jj := uint32(0); jj < kb; jj++ {
							if s[jj] != 0 {
								a += s[jj] * v[kvb+int((j0+jj)*p.KRow)+x]
							}
						}
						acc[x] = a
					}
				}
				ob := int((b*p.Tq+i)*p.ORow + h*p.D)
				inv := 1 / l
				for x := 0; x < d; x++ {
					o[ob+x] = acc[x] * inv
				}
			}
		}
	}
}
