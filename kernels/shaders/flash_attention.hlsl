#ifndef __FLASH_ATTENTION_HLSL__
#define __FLASH_ATTENTION_HLSL__


// sdgo:variant flash_attention_d40 -DHEAD_DIM=40 -DATT_R=4
// sdgo:variant flash_attention_d64 -DHEAD_DIM=64 -DATT_R=2
// sdgo:variant flash_attention_d80 -DHEAD_DIM=80 -DATT_R=2
// sdgo:variant flash_attention_d160 -DHEAD_DIM=160 -DATT_R=1
// sdgo:variant flash_attention_d40_wide -DHEAD_DIM=40 -DATT_R=1 -DWG=64
// sdgo:variant flash_attention_d64_wide -DHEAD_DIM=64 -DATT_R=1 -DWG=64
// sdgo:variant flash_attention_d80_wide -DHEAD_DIM=80 -DATT_R=1 -DWG=64
// sdgo:variant flash_attention_d160_wide -DHEAD_DIM=160 -DATT_R=1 -DWG=64
// sdgo:variant flash_attention_wide -DWG=64
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
// The head dim is compiled in: the output accumulators acc[r][d] are indexed by
// constants only in the GPU (wide) builds (the d loops over them are unrolled), so
// they live in registers; the CPU builds store them in a loop over d, which puts
// them in private memory, where llvmpipe keeps them anyway, for a fraction of the
// JIT. Q·Kᵀ runs a dynamic d loop with per-lane q loads and uniform K loads into the
// ATT_R×KB score block, P·V only uniform V loads.
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
// Generic head dim (≤ 512): the same algorithm with the accumulators in private
// arrays indexed by a runtime d (slower on lavapipe, any D).
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
#endif // __FLASH_ATTENTION_HLSL__
